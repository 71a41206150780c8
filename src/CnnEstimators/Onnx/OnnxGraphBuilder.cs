using System.Text;
using Onnx;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace CnnMl.Onnx;

/// <summary>
/// Builds one ONNX graph (opset <see cref="OnnxModelExporter.OpsetVersion"/>) from modules: gives every value and node
/// a unique name derived from the module path that produced it, turns TorchSharp tensors into initializers, and
/// tracks the static shape of every value (the batch dimension as <see cref="Batch"/>), so that exports can
/// compute sizes and mistakes surface at export time rather than in ONNX Runtime.
/// </summary>
/// <remarks>
/// Modules call <see cref="Module"/> for their children; a child that implements <see cref="IOnnxExportable"/>
/// exports itself, TorchSharp's primitive modules are exported by <see cref="TorchModuleExport"/>. The op helpers
/// (<see cref="Conv"/>, <see cref="Add"/>, <see cref="Concat"/>, …) check their operands' shapes and record the
/// result's shape; <see cref="Node"/> adds any other operator with an explicit output shape.
/// </remarks>
public sealed class OnnxGraphBuilder
{
    /// <summary>The symbolic batch dimension in shapes returned by <see cref="ShapeOf"/>.</summary>
    public const long Batch = -1;

    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long[] Shape, DataType Type)> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<nn.Module, string> _paths;
    private readonly Stack<string> _scopes = new();
    private string? _capturePath;

    /// <summary>Starts an empty graph.</summary>
    /// <param name="name">Graph name.</param>
    /// <param name="root">The exported network: its <c>named_modules()</c> paths name the nodes and appear in errors.</param>
    /// <param name="batchDimensionName">The <c>dim_param</c> of the dynamic batch dimension in inputs and outputs.</param>
    public OnnxGraphBuilder(string name, nn.Module? root = null, string batchDimensionName = "N")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(batchDimensionName);
        _graph = new GraphProto { Name = string.IsNullOrWhiteSpace(name) ? "graph" : name };
        BatchDimensionName = batchDimensionName;
        _paths = new Dictionary<nn.Module, string>(ReferenceEqualityComparer.Instance);
        if (root is not null)
        {
            _paths[root] = "";
            foreach (var (path, module) in root.named_modules()) _paths.TryAdd(module, path);
        }
    }

    /// <summary>The graph built so far.</summary>
    public GraphProto Graph => _graph;

    /// <summary>
    /// Asks the builder to remember the value that goes into the module at <paramref name="path"/> (a
    /// <c>named_modules()</c> path of the root, e.g. the classifier "fc") the first time it is exported; read it from
    /// <see cref="CapturedInput"/>.
    /// </summary>
    public void CaptureInputOf(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!_paths.ContainsValue(path))
            throw new ArgumentException($"The exported network has no module at '{path}'.", nameof(path));
        _capturePath = path;
        CapturedInput = null;
    }

    /// <summary>The input value of the module named by <see cref="CaptureInputOf"/>, once it has been exported; else null.</summary>
    public string? CapturedInput { get; private set; }

    /// <summary>The <c>dim_param</c> of the dynamic batch dimension.</summary>
    public string BatchDimensionName { get; }

    /// <summary>The dotted path of the module being exported (empty for the root), as in <c>named_modules()</c>.</summary>
    public string CurrentPath => _scopes.Count == 0 ? "" : _scopes.Peek();

    // ---------------------------------------------------------------- names, values, graph inputs and outputs

    /// <summary>Marks <paramref name="name"/> as taken, so that no generated value or node uses it.</summary>
    /// <exception cref="ArgumentException">The name is already used.</exception>
    public void Reserve(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_names.Add(name)) throw new ArgumentException($"ONNX export: the name '{name}' is used twice; choose distinct input and output names.");
    }

    /// <summary>A name not used yet, derived from <paramref name="hint"/> (a suffix <c>_2</c>, <c>_3</c>, … is added if needed).</summary>
    public string UniqueName(string hint)
    {
        var stem = string.IsNullOrWhiteSpace(hint) ? "value" : hint;
        if (_names.Add(stem)) return stem;
        for (var i = 2; ; i++)
        {
            var candidate = $"{stem}_{i}";
            if (_names.Add(candidate)) return candidate;
        }
    }

    /// <summary>The static shape of a value; the batch dimension is <see cref="Batch"/>.</summary>
    /// <exception cref="ArgumentException">No value of that name has been produced.</exception>
    public IReadOnlyList<long> ShapeOf(string value) => Lookup(value).Shape;

    /// <summary>Adds a graph input (float32 unless stated) whose <see cref="Batch"/> dimensions become the dynamic batch.</summary>
    public string AddInput(string name, IReadOnlyList<long> shape, DataType type = DataType.Float)
    {
        Reserve(name);
        _values[name] = (shape.ToArray(), type);
        _graph.Input.Add(ValueInfo(name, shape, type));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> a graph output, with its tracked shape and element type.</summary>
    public void AddOutput(string value)
    {
        var (shape, type) = Lookup(value);
        _graph.Output.Add(ValueInfo(value, shape, type));
    }

    // ---------------------------------------------------------------- modules

    /// <summary>
    /// Exports <paramref name="module"/> applied to <paramref name="input"/> and returns its output value: the module's
    /// own <see cref="IOnnxExportable.ExportOnnx"/> when it has one, else TorchSharp's primitive modules.
    /// </summary>
    /// <exception cref="NotSupportedException">The module (or one inside it) has no export; the message names its type and path.</exception>
    public string Module(nn.Module module, string input)
    {
        ArgumentNullException.ThrowIfNull(module);
        Lookup(input);
        if (!_paths.TryGetValue(module, out var path))
            path = (CurrentPath.Length == 0 ? "" : CurrentPath + ".") + module.GetType().Name;
        if (_capturePath is not null && path == _capturePath && CapturedInput is null) CapturedInput = input;
        _scopes.Push(path);
        try
        {
            return module is IOnnxExportable exportable
                ? exportable.ExportOnnx(this, input)
                : TorchModuleExport.Export(this, module, input);
        }
        finally
        {
            _scopes.Pop();
        }
    }

    /// <summary>Exports the children of <paramref name="modules"/> one after another, as a <c>Sequential</c> runs them.</summary>
    public string Sequence(IEnumerable<nn.Module> modules, string input)
    {
        ArgumentNullException.ThrowIfNull(modules);
        var x = input;
        foreach (var module in modules) x = Module(module, x);
        return x;
    }

    // ---------------------------------------------------------------- initializers and generic nodes

    /// <summary>Adds a copy of <paramref name="tensor"/> as an initializer (float32, or int64 for integer tensors).</summary>
    public string Initializer(string hint, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var name = UniqueName(Scoped(hint));
        var proto = OnnxTensors.FromTorch(name, tensor);
        _graph.Initializer.Add(proto);
        _values[name] = (tensor.shape, (DataType)proto.DataType);
        return name;
    }

    /// <summary>Adds an int64 initializer (a shape, axes or indices).</summary>
    public string Initializer(string hint, long[] values, IReadOnlyList<long>? dims = null)
    {
        var name = UniqueName(Scoped(hint));
        var shape = dims?.ToArray() ?? [values.Length];
        _graph.Initializer.Add(OnnxTensors.Int64(name, values, shape));
        _values[name] = (shape, DataType.Int64);
        return name;
    }

    /// <summary>Adds a float32 initializer.</summary>
    public string Initializer(string hint, float[] values, IReadOnlyList<long> dims)
    {
        var name = UniqueName(Scoped(hint));
        _graph.Initializer.Add(OnnxTensors.Float(name, values, dims));
        _values[name] = (dims.ToArray(), DataType.Float);
        return name;
    }

    /// <summary>
    /// Adds a node of any operator with one output of the given shape and element type; returns the output's name
    /// (<paramref name="outputName"/> if given, else a fresh name from the current module path).
    /// Inputs may be <c>""</c> for an omitted optional input.
    /// </summary>
    public string Node(string opType, IReadOnlyList<string> inputs, IReadOnlyList<long> outputShape,
        IEnumerable<AttributeProto>? attributes = null, string? outputName = null, DataType outputType = DataType.Float)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputShape);
        foreach (var input in inputs.Where(i => i.Length > 0)) Lookup(input);
        string output;
        if (outputName is null) output = UniqueName(Scoped(opType));
        else
        {
            // A requested name (a graph output) may have been reserved up front.
            if (_values.ContainsKey(outputName)) throw new ArgumentException($"ONNX export: the value '{outputName}' is produced twice.");
            _names.Add(outputName);
            output = outputName;
        }
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        if (attributes is not null) node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        _values[output] = (outputShape.ToArray(), outputType);
        return output;
    }

    // ---------------------------------------------------------------- operators

    /// <summary>
    /// ONNX <c>Conv</c> with a copy of <paramref name="weight"/> (O × C/groups × k…) and optional bias; pads are
    /// <c>[begin…, end…]</c> per spatial dimension.
    /// </summary>
    public string Conv(string x, Tensor weight, Tensor? bias, IReadOnlyList<long> strides, IReadOnlyList<long> pads,
        IReadOnlyList<long> dilations, long groups)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var shape = ShapeOf(x);
        var rank = shape.Count - 2;
        var kernel = weight.shape[2..];
        if (rank < 1 || kernel.Length != rank || strides.Count != rank || dilations.Count != rank || pads.Count != 2 * rank)
            throw Mismatch("Conv", $"input [{Dims(shape)}], weight [{Dims(weight.shape)}], {strides.Count} strides, {pads.Count} pads, {dilations.Count} dilations");
        if (groups < 1 || shape[1] != weight.shape[1] * groups || weight.shape[0] % groups != 0)
            throw Mismatch("Conv", $"input [{Dims(shape)}] with {groups} groups does not fit weight [{Dims(weight.shape)}]");
        var output = new long[shape.Count];
        output[0] = shape[0];
        output[1] = weight.shape[0];
        for (var i = 0; i < rank; i++)
            output[i + 2] = WindowCount(shape[i + 2], kernel[i], strides[i], pads[i], pads[i + rank], dilations[i], "Conv");

        var inputs = new List<string> { x, Initializer("weight", weight) };
        if (bias is not null) inputs.Add(Initializer("bias", bias));
        return Node("Conv", inputs, output,
        [
            OnnxAttribute.Ints("kernel_shape", kernel),
            OnnxAttribute.Ints("strides", strides),
            OnnxAttribute.Ints("pads", pads),
            OnnxAttribute.Ints("dilations", dilations),
            OnnxAttribute.Int("group", groups),
        ]);
    }

    /// <summary>ONNX <c>BatchNormalization</c> in inference mode with the given per-channel statistics.</summary>
    public string BatchNormalization(string x, Tensor scale, Tensor bias, Tensor mean, Tensor variance, double epsilon)
    {
        var shape = ShapeOf(x);
        if (shape.Count < 2 || scale.numel() != shape[1] || bias.numel() != shape[1] || mean.numel() != shape[1] || variance.numel() != shape[1])
            throw Mismatch("BatchNormalization", $"input [{Dims(shape)}] has {(shape.Count < 2 ? 0 : shape[1])} channels; statistics have {mean.numel()}");
        return Node("BatchNormalization",
            [x, Initializer("scale", scale), Initializer("B", bias), Initializer("mean", mean), Initializer("var", variance)],
            shape, [OnnxAttribute.Float("epsilon", (float)epsilon)]);
    }

    /// <summary>ONNX <c>Relu</c>.</summary>
    public string Relu(string x) => Node("Relu", [x], ShapeOf(x));

    /// <summary>ONNX <c>Sigmoid</c>.</summary>
    public string Sigmoid(string x) => Node("Sigmoid", [x], ShapeOf(x));

    /// <summary>ONNX <c>Clip</c> to [<paramref name="min"/>, <paramref name="max"/>] (ReLU6 is <c>Clip(0, 6)</c>).</summary>
    public string Clip(string x, float min, float max) =>
        Node("Clip", [x, Initializer("min", [min], []), Initializer("max", [max], [])], ShapeOf(x));

    /// <summary>ONNX <c>Add</c> of two values of the same shape.</summary>
    public string Add(string a, string b)
    {
        RequireSameShape("Add", a, b);
        return Node("Add", [a, b], ShapeOf(a));
    }

    /// <summary>ONNX <c>Mul</c> of two values of the same shape.</summary>
    public string Mul(string a, string b)
    {
        RequireSameShape("Mul", a, b);
        return Node("Mul", [a, b], ShapeOf(a));
    }

    /// <summary>ONNX <c>Concat</c> along <paramref name="axis"/>; the other dimensions must agree.</summary>
    public string Concat(long axis, params string[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0) throw new ArgumentException("Concat needs at least one value.", nameof(values));
        var first = ShapeOf(values[0]);
        var output = first.ToArray();
        output[axis] = 0;
        foreach (var value in values)
        {
            var shape = ShapeOf(value);
            if (shape.Count != first.Count || Enumerable.Range(0, shape.Count).Any(d => d != axis && shape[d] != first[d]))
                throw Mismatch("Concat", $"[{Dims(first)}] and [{Dims(shape)}] differ outside axis {axis}");
            output[axis] += shape[(int)axis];
        }
        return Node("Concat", values, output, [OnnxAttribute.Int("axis", axis)]);
    }

    /// <summary>ONNX <c>MaxPool</c>; pads are <c>[begin…, end…]</c>.</summary>
    public string MaxPool(string x, IReadOnlyList<long> kernel, IReadOnlyList<long> strides, IReadOnlyList<long> pads, IReadOnlyList<long> dilations) =>
        Node("MaxPool", [x], PoolShape("MaxPool", x, kernel, strides, pads, dilations),
        [
            OnnxAttribute.Ints("kernel_shape", kernel),
            OnnxAttribute.Ints("strides", strides),
            OnnxAttribute.Ints("pads", pads),
            OnnxAttribute.Ints("dilations", dilations),
        ]);

    /// <summary>
    /// ONNX <c>AveragePool</c>; pads are <c>[begin…, end…]</c>; <paramref name="countIncludePad"/> as PyTorch's
    /// <c>count_include_pad</c> (padding zeros count in the divisor).
    /// </summary>
    public string AveragePool(string x, IReadOnlyList<long> kernel, IReadOnlyList<long> strides, IReadOnlyList<long> pads, bool countIncludePad) =>
        Node("AveragePool", [x], PoolShape("AveragePool", x, kernel, strides, pads, Enumerable.Repeat(1L, kernel.Count).ToArray()),
        [
            OnnxAttribute.Ints("kernel_shape", kernel),
            OnnxAttribute.Ints("strides", strides),
            OnnxAttribute.Ints("pads", pads),
            OnnxAttribute.Int("count_include_pad", countIncludePad ? 1 : 0),
        ]);

    /// <summary>ONNX <c>GlobalAveragePool</c>: every spatial dimension becomes 1.</summary>
    public string GlobalAveragePool(string x)
    {
        var shape = ShapeOf(x);
        if (shape.Count < 3) throw Mismatch("GlobalAveragePool", $"input [{Dims(shape)}] has no spatial dimension");
        return Node("GlobalAveragePool", [x], [shape[0], shape[1], .. Enumerable.Repeat(1L, shape.Count - 2)]);
    }

    /// <summary>ONNX <c>Flatten</c>: dimensions before <paramref name="axis"/> form the first output dimension, the rest the second.</summary>
    public string Flatten(string x, long axis = 1)
    {
        var shape = ShapeOf(x);
        if (axis < 1 || axis > shape.Count) throw Mismatch("Flatten", $"axis {axis} of input [{Dims(shape)}]");
        var head = shape.Take((int)axis).ToArray();
        var tail = shape.Skip((int)axis).ToArray();
        // The batch is symbolic: it may only stand alone in the head, and never in the tail.
        if ((head.Contains(Batch) && head.Length > 1) || tail.Contains(Batch))
            throw Mismatch("Flatten", $"axis {axis} of input [{Dims(shape)}] would merge the dynamic batch with other dimensions");
        return Node("Flatten", [x], [head.Aggregate(1L, (a, b) => a * b), tail.Aggregate(1L, (a, b) => a * b)], [OnnxAttribute.Int("axis", axis)]);
    }

    /// <summary>ONNX <c>Reshape</c> to <paramref name="shape"/>; use <see cref="Batch"/> for the batch dimension.</summary>
    public string Reshape(string x, IReadOnlyList<long> shape)
    {
        var input = ShapeOf(x);
        var known = input.Where(d => d != Batch).Aggregate(1L, (a, b) => a * b);
        var target = shape.Where(d => d != Batch).Aggregate(1L, (a, b) => a * b);
        if (known != target || input.Count(d => d == Batch) != shape.Count(d => d == Batch))
            throw Mismatch("Reshape", $"[{Dims(input)}] cannot become [{Dims(shape)}]");
        // ONNX: -1 is inferred, which is the batch (all other dimensions are given).
        return Node("Reshape", [x, Initializer("shape", shape.ToArray())], shape);
    }

    /// <summary>ONNX <c>Transpose</c> with permutation <paramref name="perm"/>.</summary>
    public string Transpose(string x, IReadOnlyList<long> perm)
    {
        var shape = ShapeOf(x);
        if (perm.Count != shape.Count || perm.Order().Select((p, i) => p != i).Any(b => b))
            throw Mismatch("Transpose", $"perm [{Dims(perm)}] for input [{Dims(shape)}]");
        return Node("Transpose", [x], perm.Select(p => shape[(int)p]).ToArray(), [OnnxAttribute.Ints("perm", perm)]);
    }

    /// <summary>
    /// The channel shuffle of ShuffleNet and CondenseNet (TorchSharp's <c>nn.ChannelShuffle</c>): Reshape to
    /// N × G × C/G × spatial…, Transpose groups and channels, Reshape back.
    /// </summary>
    public string ChannelShuffle(string x, long groups)
    {
        var shape = ShapeOf(x);
        var channels = shape[1];
        if (groups < 1 || channels % groups != 0)
            throw Mismatch("ChannelShuffle", $"{channels} channels cannot be split into {groups} groups");
        long[] grouped = [shape[0], groups, channels / groups, .. shape.Skip(2)];
        long[] perm = [0, 2, 1, .. Enumerable.Range(3, shape.Count - 2).Select(i => (long)i)];
        return Reshape(Transpose(Reshape(x, grouped), perm), shape);
    }

    /// <summary>ONNX <c>Gather</c> of <paramref name="indices"/> (copied) along <paramref name="axis"/>: PyTorch's <c>index_select</c>.</summary>
    public string Gather(string x, Tensor indices, long axis)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var shape = ShapeOf(x).ToArray();
        if (indices.dim() != 1 || axis < 1 || axis >= shape.Length)
            throw Mismatch("Gather", $"indices [{Dims(indices.shape)}] along axis {axis} of [{Dims(shape)}]");
        using (var scope = NewDisposeScope())
        {
            var bound = indices.numel() == 0 ? 0 : indices.max().item<long>() + 1;
            if (indices.numel() > 0 && (indices.min().item<long>() < 0 || bound > shape[axis]))
                throw Mismatch("Gather", $"indices outside [0, {shape[axis]}) along axis {axis}");
        }
        shape[axis] = indices.shape[0];
        return Node("Gather", [x, Initializer("indices", indices)], shape, [OnnxAttribute.Int("axis", axis)]);
    }

    /// <summary>ONNX <c>Gemm</c>: <c>x · weightᵀ + bias</c> for a 2-D input, PyTorch's <c>Linear</c>.</summary>
    public string Gemm(string x, Tensor weight, Tensor? bias)
    {
        var shape = ShapeOf(x);
        if (shape.Count != 2 || weight.dim() != 2 || shape[1] != weight.shape[1])
            throw Mismatch("Gemm", $"input [{Dims(shape)}] does not fit weight [{Dims(weight.shape)}]");
        var inputs = new List<string> { x, Initializer("weight", weight) };
        if (bias is not null) inputs.Add(Initializer("bias", bias));
        return Node("Gemm", inputs, [shape[0], weight.shape[0]], [OnnxAttribute.Int("transB", 1)]);
    }

    /// <summary>ONNX <c>Shape</c>: the int64 dimensions of <paramref name="x"/> at run time.</summary>
    public string Shape(string x) => Node("Shape", [x], [ShapeOf(x).Count], outputType: DataType.Int64);

    /// <summary>
    /// Nearest-neighbor upsampling of <paramref name="x"/> to the shape of <paramref name="like"/>, exactly as PyTorch's
    /// <c>interpolate(mode: nearest, size: …)</c>: source index <c>floor(i · in / out)</c> (ONNX <c>Resize</c> with
    /// <c>asymmetric</c> coordinates and <c>floor</c> rounding, sizes read from <paramref name="like"/> at run time).
    /// </summary>
    public string ResizeNearestLike(string x, string like)
    {
        var shape = ShapeOf(x);
        var target = ShapeOf(like);
        if (shape.Count != target.Count || shape[1] != target[1])
            throw Mismatch("Resize", $"[{Dims(shape)}] cannot be resized to the shape of [{Dims(target)}] (channels must agree)");
        return Node("Resize", [x, "", "", Shape(like)], target,
        [
            OnnxAttribute.String("mode", "nearest"),
            OnnxAttribute.String("coordinate_transformation_mode", "asymmetric"),
            OnnxAttribute.String("nearest_mode", "floor"),
        ]);
    }

    /// <summary>ONNX <c>Softmax</c> along <paramref name="axis"/>.</summary>
    public string Softmax(string x, long axis, string? outputName = null) =>
        Node("Softmax", [x], ShapeOf(x), [OnnxAttribute.Int("axis", axis)], outputName);

    /// <summary>ONNX <c>ArgMax</c> along <paramref name="axis"/> (int64; first index on ties, as PyTorch).</summary>
    public string ArgMax(string x, long axis, bool keepDims, string? outputName = null)
    {
        var shape = ShapeOf(x).ToList();
        if (keepDims) shape[(int)axis] = 1;
        else shape.RemoveAt((int)axis);
        return Node("ArgMax", [x], shape,
            [OnnxAttribute.Int("axis", axis), OnnxAttribute.Int("keepdims", keepDims ? 1 : 0)], outputName, DataType.Int64);
    }

    /// <summary>ONNX <c>Identity</c>, for giving a value a second (output) name.</summary>
    public string Identity(string x, string? outputName = null)
    {
        var (shape, type) = Lookup(x);
        return Node("Identity", [x], shape, outputName: outputName, outputType: type);
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>An error naming the operator, the module path and the shapes that do not fit.</summary>
    public InvalidOperationException Mismatch(string op, string detail) =>
        new($"ONNX export of {(CurrentPath.Length == 0 ? "the network" : $"module '{CurrentPath}'")}: {op}: {detail}.");

    private long[] PoolShape(string op, string x, IReadOnlyList<long> kernel, IReadOnlyList<long> strides, IReadOnlyList<long> pads, IReadOnlyList<long> dilations)
    {
        var shape = ShapeOf(x);
        var rank = shape.Count - 2;
        if (rank < 1 || kernel.Count != rank || strides.Count != rank || pads.Count != 2 * rank || dilations.Count != rank)
            throw Mismatch(op, $"input [{Dims(shape)}], kernel [{Dims(kernel)}], strides [{Dims(strides)}], pads [{Dims(pads)}]");
        var output = shape.ToArray();
        for (var i = 0; i < rank; i++)
            output[i + 2] = WindowCount(shape[i + 2], kernel[i], strides[i], pads[i], pads[i + rank], dilations[i], op);
        return output;
    }

    private long WindowCount(long size, long kernel, long stride, long padBegin, long padEnd, long dilation, string op)
    {
        var count = (size + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride + 1;
        if (stride < 1 || count < 1)
            throw Mismatch(op, $"kernel {kernel} (dilation {dilation}, stride {stride}, pads {padBegin}/{padEnd}) does not fit a size of {size}");
        return count;
    }

    private void RequireSameShape(string op, string a, string b)
    {
        var sa = ShapeOf(a);
        var sb = ShapeOf(b);
        if (!sa.SequenceEqual(sb)) throw Mismatch(op, $"[{Dims(sa)}] and [{Dims(sb)}] differ");
    }

    private (long[] Shape, DataType Type) Lookup(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return _values.TryGetValue(value, out var info)
            ? info
            : throw new ArgumentException($"ONNX export: no value named '{value}' has been produced in the graph so far.", nameof(value));
    }

    private string Scoped(string hint) => CurrentPath.Length == 0 ? hint : $"{CurrentPath}/{hint}";

    private ValueInfoProto ValueInfo(string name, IReadOnlyList<long> shape, DataType type)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var dim in shape)
        {
            tensorShape.Dim.Add(dim == Batch
                ? new TensorShapeProto.Types.Dimension { DimParam = BatchDimensionName }
                : new TensorShapeProto.Types.Dimension { DimValue = dim });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } },
        };
    }

    private static string Dims(IEnumerable<long> dims) =>
        new StringBuilder().AppendJoin(", ", dims.Select(d => d == Batch ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToString();
}
