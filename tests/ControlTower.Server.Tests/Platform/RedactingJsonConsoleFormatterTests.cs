using System.Text.Json;
using ControlTower.Server.Credentials;
using ControlTower.Server.Platform.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ControlTower.Server.Tests.Platform;

public sealed class RedactingJsonConsoleFormatterTests
{
    private const string Secret = "pharmacy-api-token-5521";

    [Fact]
    public void Write_WhenALogEntryCarriesALoadedSecret_MasksItEverywhereAndStaysJson()
    {
        var secrets = new SecretRegistry();
        secrets.Register([Secret]);
        var formatter = new RedactingJsonConsoleFormatter(secrets, TimeProvider.System);
        IReadOnlyList<KeyValuePair<string, object?>> state =
        [
            new("Header", $"Bearer {Secret}"),
            new("Attempt", 2),
            new("{OriginalFormat}", "Calling with {Header} attempt {Attempt}"),
        ];
        var entry = new LogEntry<IReadOnlyList<KeyValuePair<string, object?>>>(
            LogLevel.Warning, "ControlTower.Test", new EventId(7), state, new InvalidOperationException($"rejected {Secret}"),
            (s, _) => $"Calling with Bearer {Secret} attempt 2");
        using var output = new StringWriter();

        formatter.Write(entry, null, output);
        var line = output.ToString();
        using var json = JsonDocument.Parse(line);

        Assert.DoesNotContain(Secret, line, StringComparison.Ordinal);
        Assert.Equal("Calling with Bearer *** attempt 2", json.RootElement.GetProperty("message").GetString());
        Assert.Equal("Bearer ***", json.RootElement.GetProperty("state").GetProperty("Header").GetString());
        Assert.Equal("2", json.RootElement.GetProperty("state").GetProperty("Attempt").GetString());
        Assert.Contains("rejected ***", json.RootElement.GetProperty("exception").GetString(), StringComparison.Ordinal);
        Assert.Equal("Warning", json.RootElement.GetProperty("level").GetString());
    }
}
