#!/usr/bin/env bash
# Packs CnnMl's two NuGet packages into artifacts/packages (or --output DIR):
#   CnnMl.<version>.nupkg (+ .snupkg)   the library: platform-neutral, depends on TorchSharp and on no libtorch
#   CnnMl.Cli.<version>.nupkg           the console as a .NET tool (command cnnml): a small pointer package, plus
#   CnnMl.Cli.<rid>.<version>.nupkg     one package per platform carrying that platform's CPU libtorch
#
#   scripts/pack.sh [--output DIR] [--version-suffix SUFFIX] [--package-version VERSION]
#                   [--rids "linux-x64;win-x64;osx-arm64"] [--print-version]
#
# The version is VersionPrefix in Directory.Build.props (plus -SUFFIX when given). --package-version sets the
# packages' version alone (the assemblies keep theirs): the packaging test uses it for a version no package cache has
# seen, without recompiling. The build is Release, deterministic (ContinuousIntegrationBuild) with SourceLink, in the
# usual bin/ and obj/ folders (under CI=true the test command's build is the same build). The commit goes into the
# nuspec's <repository commit> and the informational version (<version>+<commit>); a working tree with uncommitted
# changes still packs, as <version>+<commit>.dirty. The repository URL is git's origin remote, when there is one.
# --rids: the tool's platforms (default linux-x64, the one tested); win-x64 and osx-arm64 restore their libtorch
# packages first (hundreds of MB each) and are untested. --print-version: print <version>+<commit>[.dirty] and stop.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/artifacts/packages"
SUFFIX=""
PACKAGE_VERSION=""
RIDS="linux-x64"
PRINT_VERSION=0
while [ $# -gt 0 ]; do
  case "$1" in
    --output) OUT="$2"; shift 2 ;;
    --version-suffix) SUFFIX="$2"; shift 2 ;;
    --package-version) PACKAGE_VERSION="$2"; shift 2 ;;
    --rids) RIDS="$2"; shift 2 ;;
    --print-version) PRINT_VERSION=1; shift ;;
    -h|--help) sed -n 2,17p "$0"; exit 0 ;;
    *) echo "pack: unknown option '$1' (expected --output DIR, --version-suffix SUFFIX, --package-version VERSION, --rids LIST or --print-version)" >&2; exit 2 ;;
  esac
done

say() { printf '[pack] %s\n' "$*"; }
die() { printf '[pack] ERROR: %s\n' "$*" >&2; exit 1; }

command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK (dotnet) is needed"

commit=""
revision=""
if git -C "$ROOT" rev-parse --verify -q HEAD >/dev/null 2>&1; then
  commit="$(git -C "$ROOT" rev-parse HEAD)"
  revision="$commit"
  if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=normal)" ]; then
    revision="$commit.dirty"
    say "the working tree has uncommitted changes: packing anyway, marked +$revision"
  fi
else
  say "not a git checkout: the packages name no commit"
fi

props=(-c Release -nologo -v quiet -clp:ErrorsOnly -p:ContinuousIntegrationBuild=true -p:TorchBackend=cpu)
[ -n "$SUFFIX" ] && props+=(-p:VersionSuffix="$SUFFIX")
[ -n "$PACKAGE_VERSION" ] && props+=(-p:PackageVersion="$PACKAGE_VERSION")
if [ -n "$commit" ]; then props+=(-p:SourceRevisionId="$revision" -p:RepositoryCommit="$commit"); fi

version="$(dotnet msbuild "$ROOT/src/CnnEstimators/CnnEstimators.csproj" -getProperty:PackageVersion \
  ${SUFFIX:+-p:VersionSuffix="$SUFFIX"} ${PACKAGE_VERSION:+-p:PackageVersion="$PACKAGE_VERSION"})"
if [ "$PRINT_VERSION" -eq 1 ]; then echo "$version${revision:++$revision}"; exit 0; fi
say "version $version${commit:+ (commit $commit)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

say "CnnMl: dotnet pack src/CnnEstimators"
dotnet pack "$ROOT/src/CnnEstimators/CnnEstimators.csproj" "${props[@]}" -o "$OUT"

# The RID-specific tool packages publish for their RID, which needs a restore that includes it.
say "CnnMl.Cli: dotnet pack src/Demo for $RIDS"
dotnet pack "$ROOT/src/Demo/Demo.csproj" "${props[@]}" -o "$OUT" \
  -p:ToolPackageRuntimeIdentifiers="\"$RIDS\""

library="$OUT/CnnMl.$version.nupkg"
[ -f "$library" ] || die "expected $library"
# The library must leave the choice of libtorch to the application (TorchSharp's convention).
if unzip -p "$library" CnnMl.nuspec | grep -qi 'id="libtorch\|id="TorchSharp-c'; then
  die "$library depends on a libtorch package"
fi

say "wrote:"
for f in "$OUT"/CnnMl.$version.nupkg "$OUT"/CnnMl.$version.snupkg "$OUT"/CnnMl.Cli.$version.nupkg "$OUT"/CnnMl.Cli.*.$version.nupkg; do
  [ -f "$f" ] && printf '  %-60s %8s\n' "$(basename "$f")" "$(du -h "$f" | cut -f1)"
done
