"""Checks ONNX files written by CnnMl (CnnTransformer.ExportOnnx, OnnxModelExporter) with ONNX's own checker.

    python3 scripts/pytorch/check_onnx.py model.onnx [more.onnx ...]
    ... | python3 scripts/pytorch/check_onnx.py -     # the paths one per line on standard input, each checked as it comes

Each file goes through onnx.checker.check_model with full_check=True: the model's structure, every node against its
operator's schema at the model's opset, and strict shape and type inference over the whole graph. Prints one JSON
object, file -> "ok" or the checker's message, and exits 1 when a file fails.
"""
import json
import sys

import onnx


def check(path):
    try:
        # From the bytes, not the path: check_model(path, full_check=True) writes the inferred model back over the file.
        with open(path, "rb") as f:
            onnx.checker.check_model(f.read(), full_check=True)
        return "ok"
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as e:
        return f"{type(e).__name__}: {e}"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    paths = (line.rstrip("\n") for line in sys.stdin) if sys.argv[1:] == ["-"] else sys.argv[1:]
    results = {path: check(path) for path in paths if path}
    print(json.dumps({"onnx": onnx.__version__, "results": results}))
    return 0 if all(r == "ok" for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
