using Microsoft.Playwright;

namespace ControlTower.Browser.Tests.Infrastructure;

/// <summary>Gestures on the editor's xyflow canvas.</summary>
internal static class Canvas
{
    /// <summary>Drags from a node's source handle to another node's target handle, as a person would.</summary>
    public static async Task ConnectAsync(IPage page, string source, string sourceHandle, string target, string targetHandle)
    {
        var from = await page.Locator($".react-flow__node[data-id='{source}'] .react-flow__handle[data-handleid='{sourceHandle}']").BoundingBoxAsync();
        var to = await page.Locator($".react-flow__node[data-id='{target}'] .react-flow__handle[data-handleid='{targetHandle}']").BoundingBoxAsync();
        Assert.NotNull(from);
        Assert.NotNull(to);
        await page.Mouse.MoveAsync(from.X + (from.Width / 2), from.Y + (from.Height / 2));
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(to.X + (to.Width / 2) - 20, to.Y + (to.Height / 2), new() { Steps = 10 });
        await page.Mouse.MoveAsync(to.X + (to.Width / 2), to.Y + (to.Height / 2), new() { Steps = 5 });
        await page.Mouse.UpAsync();
    }
}
