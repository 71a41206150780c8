namespace CnnMl.Architectures;

/// <summary>
/// A network family's registry entries, declared in the family's folder beside its modules (as torchvision's
/// <c>register_model</c> and timm's <c>_registry</c> do). <see cref="CnnArchitectures"/> finds every
/// implementation in this assembly once, by reflection, so adding a family means adding one class here and
/// editing no central list.
/// </summary>
internal interface ICnnArchitectureFamily
{
    /// <summary>
    /// Where the family's entries stand in <see cref="CnnArchitectures.All"/> (and in <c>cnnml architectures</c>):
    /// families are listed by ascending order, then by type name; entries keep their order within a family.
    /// </summary>
    int Order { get; }

    /// <summary>The family's entries, in the order they are listed.</summary>
    IEnumerable<CnnArchitecture> Entries { get; }
}
