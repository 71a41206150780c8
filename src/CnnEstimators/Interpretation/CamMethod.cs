namespace CnnMl.Interpretation;

/// <summary>How <see cref="GradCam"/> weighs the target layer's activations by the class score's gradient.</summary>
public enum CamMethod
{
    /// <summary>
    /// Grad-CAM (Selvaraju et al. 2017): each channel weighted by its gradient's mean over the map. For a network that
    /// flattens its last feature map into the classifier (mnist-cnn, lenet5) the means of position-specific weights
    /// often cancel, and many maps come out empty.
    /// </summary>
    GradCam,

    /// <summary>
    /// HiResCAM (Draelos and Carin 2020): activations times gradients element by element, summed over channels — the
    /// layer's actual contribution to the class score when the classifier is linear. Equal to Grad-CAM for a network
    /// that pools globally before its classifier (the gradient is the same at every position).
    /// </summary>
    HiResCam,
}
