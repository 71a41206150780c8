namespace CnnMl.Demo.Plots;

/// <summary>Which CAM the console draws: <c>--cam auto|gradcam|hirescam</c>.</summary>
public enum CamChoice
{
    /// <summary>Grad-CAM for a network that pools globally before its classifier, HiResCAM for one that flattens.</summary>
    Auto,

    /// <summary>Grad-CAM (Selvaraju et al. 2017): channels weighted by their mean gradient.</summary>
    GradCam,

    /// <summary>HiResCAM (Draelos and Carin 2020): each position weighted by its own gradient.</summary>
    HiResCam,
}
