using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ControlTower.Browser.Tests.Infrastructure;

/// <summary>The editor's top bar, whose rarer actions sit inline when they fit and in its "More" menu when not.</summary>
internal static class EditorBar
{
    /// <summary>The action with this test id, inline or in the "More" menu (opened here when it is there).</summary>
    public static async Task<ILocator> ActionAsync(IPage page, string testId)
    {
        var bar = page.GetByTestId("editor-bar");
        await Expect(bar.GetByTestId("save-button")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var inline = bar.GetByTestId(testId);
        if (await inline.CountAsync() > 0)
        {
            return inline;
        }

        await OpenMoreAsync(page);
        return page.GetByTestId("toolbar-more-menu").GetByTestId(testId);
    }

    /// <summary>Opens the "More" menu when the bar has one (it has none when every action fits).</summary>
    public static async Task OpenMoreAsync(IPage page)
    {
        var more = page.GetByTestId("editor-bar").GetByTestId("toolbar-more");
        if (await more.CountAsync() > 0 && await more.GetAttributeAsync("aria-expanded") != "true")
        {
            await more.ClickAsync();
        }
    }
}
