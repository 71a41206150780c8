using System.Net;
using CnnMl.Demo.Serving;
using CnnMl.Tests.Support;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Interactions;
using OpenQA.Selenium.Support.UI;
using static CnnMl.Tests.Serving.ServeEndpointTests;

namespace CnnMl.Tests.Serving;

/// <summary>
/// <c>cnnml serve</c>'s page in a real browser: Debian's headless chromium, driven by Selenium through Debian's
/// chromium-driver (both installed by <c>scripts/setup.sh --for-tests</c>), opens <c>/</c>, draws a digit on the canvas
/// with mouse events and reads the predicted label and the bars from the page. The screenshot is written to
/// artifacts/screenshots/serve-page.png (docs/serve-page.png is a copy).
/// </summary>
[TestClass]
public sealed class ServePageBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriver = "/usr/bin/chromedriver";

    [TestMethod]
    public async Task DrawingAOneOnTheCanvasShowsTheLabelAndTenBars()
    {
        Assert.IsTrue(File.Exists(Chromium) && File.Exists(ChromeDriver),
            $"{Chromium} and {ChromeDriver} are missing: run 'bash scripts/setup.sh --for-tests' (it installs Debian's chromium and chromium-driver).");
        var models = ServingModels.Get();
        await using var server = await RunningServer.StartAsync(new ServerOptions { ModelPath = models.VectorModel });

        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1000,720", "--force-device-scale-factor=1");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        using var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        driver.Navigate().GoToUrl(server.Address);
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(30));
        wait.Until(d => d.FindElement(By.TagName("body")).GetAttribute("data-ready") == "true");
        StringAssert.Contains(driver.FindElement(By.Id("model-info")).Text, "10 classes (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)");

        // A "1": one stroke down the middle of the 280×280 canvas, slightly slanted, in small mouse moves.
        var canvas = driver.FindElement(By.Id("canvas"));
        var stroke = new Actions(driver).MoveToElement(canvas, 6, -95).ClickAndHold();
        for (var i = 0; i < 19; i++) stroke = stroke.MoveByOffset(-1, 10);
        stroke.Release().Perform();

        // The bars appear while drawing; the last answer is the whole stroke's.
        wait.Until(d => d.FindElements(By.CssSelector("#bars .bar")).Count == 10 && (long)((IJavaScriptExecutor)d).ExecuteScript("return window.cnnml.requests")! >= 1);
        await Task.Delay(500);
        wait.Until(d => !(bool)((IJavaScriptExecutor)d).ExecuteScript("return window.cnnml.requests === 0 || document.getElementById('label').textContent === ''")!);
        var label = driver.FindElement(By.Id("label")).Text;
        Assert.AreEqual("1", label, "the page's label for a drawn 1");
        var bars = driver.FindElements(By.CssSelector("#bars .bar"));
        Assert.AreEqual("1", bars[0].GetAttribute("data-label"));
        Assert.AreEqual(10, bars.Select(b => b.GetAttribute("data-label")).Distinct().Count());

        // The page shows exactly what /predict answers for the pixels it sent.
        var pixels = ((IReadOnlyCollection<object>)((IJavaScriptExecutor)driver).ExecuteScript("return window.cnnml.lastPixels")!)
            .Select(v => Convert.ToSingle(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.AreEqual(784, pixels.Length);
        Assert.IsGreaterThan(20, pixels.Count(p => p > 0.5f), "the stroke reaches the pixels sent");
        var answer = await Json(await server.PostPixelsAsync(pixels, "?top=10"), HttpStatusCode.OK);
        Assert.AreEqual(answer.GetProperty("label").GetString(), label);
        var shownScore = bars[0].FindElement(By.ClassName("score")).Text;
        Assert.AreEqual($"{answer.GetProperty("top")[0].GetProperty("score").GetDouble() * 100:0.0}%", shownScore);

        var screenshots = Directory.CreateDirectory(Path.Combine(TestPaths.RepositoryRoot, "artifacts", "screenshots")).FullName;
        driver.GetScreenshot().SaveAsFile(Path.Combine(screenshots, "serve-page.png"));
    }
}
