using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ControlTower.Browser.Tests.Infrastructure;

/// <summary>A loopback HTTP endpoint that counts its calls and answers a small stock record: proof of whether a tool was called.</summary>
internal sealed class LoopbackCounter : IDisposable
{
    private readonly HttpListener listener = new();
    private int calls;

    private LoopbackCounter(int port)
    {
        Url = $"http://127.0.0.1:{port}/stock";
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = ServeAsync();
    }

    public string Url { get; }

    public int Calls => Volatile.Read(ref calls);

    public static LoopbackCounter Start()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new LoopbackCounter(port);
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (HttpListenerException)
            {
                return; // stopped
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref calls);
            var body = Encoding.UTF8.GetBytes("{\"on_hand\": 7, \"drug\": \"Atorvastatin\"}");
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    public void Dispose() => listener.Close();
}
