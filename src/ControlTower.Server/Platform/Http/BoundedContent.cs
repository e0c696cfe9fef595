namespace ControlTower.Server.Platform.Http;

/// <summary>
/// Reads an HTTP response body up to a limit, refusing early on a declared length over it and while streaming
/// past it, so an endpoint that answers with gigabytes never reaches memory.
/// </summary>
internal static class BoundedContent
{
    /// <exception cref="Exception">what <paramref name="tooLarge"/> makes, once the body exceeds <paramref name="maxBytes"/>.</exception>
    public static async Task<byte[]> ReadAsync(HttpContent content, long maxBytes, Func<Exception> tooLarge, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > maxBytes)
        {
            throw tooLarge();
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw tooLarge();
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }
}
