namespace CnnMl.Demo.Commands.Bench.Serving;

/// <summary>The serving bench's figures as lines of the bench report.</summary>
internal static class ServingBenchLines
{
    private const string Section = BenchSections.Serving;

    public static void AddTo(BenchReport report, ServingBenchResult result)
    {
        foreach (var level in result.Levels)
        {
            var name = $"POST /predict, 28×28 PNG, {level.Clients} client(s)";
            var note = $"{level.Requests:N0} requests in {level.Elapsed.TotalSeconds:0.0} s; {level.Errors} errors; {level.WrongLabels} labels unlike the raw session's";
            report.Add(Section, name, "throughput", new Measurement("requests/s", [level.Throughput]), note);
            report.Add(Section, name, "latency p50", new Measurement("ms", [level.P50]));
            report.Add(Section, name, "latency p99", new Measurement("ms", [level.P99]));
            report.Add(Section, name, "errors", new Measurement("requests", [level.Errors]));
        }
        var best = result.Levels.MaxBy(l => l.Throughput)!;
        report.Compare(Section, "best level vs the raw session", $"cnnml serve, {best.Clients} client(s)", new Measurement("images/s", [best.Throughput]),
            "raw ONNX Runtime session", new Measurement("images/s", [result.CeilingImagesPerSecond]),
            $"the same digits; the raw session (the better of a run before the server started and one after it stopped) scores decoded vectors, one per Run, one thread per core ({Environment.ProcessorCount}), no HTTP, no PNG decoding; the clients share the cores with the server");
        report.Add(Section, "resident memory", "before the server started", new Measurement("MB", [result.ResidentBefore / 1e6]));
        report.Add(Section, "resident memory", "after the load levels", new Measurement("MB", [result.ResidentAfterLoad / 1e6]));
        var abuse = result.Abuse;
        var kinds = string.Join(", ", abuse.ByKind.Select(k => $"{k.Key} {k.Value}"));
        report.Add(Section, "abuse: malformed requests", "answered 4xx", new Measurement("requests", [abuse.ClientErrors]),
            $"{abuse.Sent:N0} sent in {abuse.Elapsed.TotalSeconds:0.0} s by 8 clients ({kinds}); {abuse.ServerErrors} answered 5xx, {abuse.Successes} 2xx, {abuse.TransportFailures} transport failures; server alive afterwards: {(abuse.AliveAfterwards ? "yes" : "NO")}");
        report.Add(Section, "abuse: malformed requests", "5xx, 2xx or no answer", new Measurement("requests", [abuse.ServerErrors + abuse.Successes + abuse.TransportFailures]));
        report.Add(Section, "abuse: resident memory", "before", new Measurement("MB", [abuse.ResidentBefore / 1e6]));
        report.Add(Section, "abuse: resident memory", "after", new Measurement("MB", [abuse.ResidentAfter / 1e6]));
    }
}
