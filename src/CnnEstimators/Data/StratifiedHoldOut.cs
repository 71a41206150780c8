namespace CnnMl.Data;

/// <summary>
/// A seeded, stratified choice of rows to hold out: of each label's rows, in the order given,
/// round(count × fraction) (halves away from zero), at least one and at most all but one when the label has two or
/// more rows, none when it has one; the rows of each label are shuffled by one <see cref="Random"/> seeded with the
/// seed, label after label in the order the labels are listed. Used for <see cref="ImageFolder.Split"/>'s test share
/// and <c>CnnTrainerOptions.ValidationSetFraction</c>'s validation share.
/// </summary>
internal static class StratifiedHoldOut
{
    /// <summary>Whether each row is held out.</summary>
    /// <param name="labels">Each row's label.</param>
    /// <param name="labelOrder">The labels in the order their rows are drawn from the one generator.</param>
    /// <param name="fraction">The share of each label held out, in (0, 1).</param>
    /// <param name="seed">The generator's seed.</param>
    public static bool[] Choose<TLabel>(IReadOnlyList<TLabel> labels, IEnumerable<TLabel> labelOrder, double fraction, int seed)
        where TLabel : notnull
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(labelOrder);
        var rowsOf = new Dictionary<TLabel, List<int>>();
        for (var row = 0; row < labels.Count; row++)
        {
            if (!rowsOf.TryGetValue(labels[row], out var rows)) rowsOf[labels[row]] = rows = [];
            rows.Add(row);
        }
        var random = new Random(seed);
        var held = new bool[labels.Count];
        foreach (var label in labelOrder)
        {
            if (!rowsOf.TryGetValue(label, out var list)) continue;
            var rows = list.ToArray();
            var count = rows.Length >= 2 ? Math.Clamp(HeldCount(rows.Length, fraction), 1, rows.Length - 1) : 0;
            random.Shuffle(rows);
            foreach (var row in rows.AsSpan(0, count)) held[row] = true;
        }
        return held;
    }

    /// <summary>round(<paramref name="rows"/> × <paramref name="fraction"/>), halves away from zero, before the clamp.</summary>
    public static int HeldCount(int rows, double fraction) => (int)Math.Round(rows * fraction, MidpointRounding.AwayFromZero);
}
