namespace CnnMl.Data;

/// <summary>The two parts of <see cref="ImageFolder.Split"/>: training and held-out test images, and how they were chosen.</summary>
/// <param name="Train">The training images.</param>
/// <param name="Test">The held-out test images.</param>
/// <param name="TestFraction">The fraction of each label held out.</param>
/// <param name="Seed">The seed of the random choice.</param>
public sealed record ImageFolderSplit(ImageFolder Train, ImageFolder Test, double TestFraction, int Seed);
