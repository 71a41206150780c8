using Microsoft.AspNetCore.Http;

namespace CnnMl.Demo.Serving;

/// <summary>
/// Reads a <c>/predict</c> request's uploads within the server's limits: the whole body, or every file of a
/// <c>multipart/form-data</c> body; a body or form over a limit is a 413, a malformed form a 400, each a
/// <see cref="RequestProblem"/> with a sentence saying what to send. <c>cnnml serve</c> runs it, and
/// <c>cnnml new webapi</c> writes this same file into its project (embedded in cnnml.dll): it uses ASP.NET Core alone.
/// </summary>
/// <param name="maxBodyBytes">The largest body, in bytes.</param>
/// <param name="maxFiles">The most files in one multipart body.</param>
/// <param name="limitSetting">How the body limit is set, said after it (e.g. " (cnnml serve --max-body-mb)"), or "".</param>
/// <param name="fileExample">The file name in the multipart hints' curl example.</param>
internal sealed class UploadReader(long maxBodyBytes, int maxFiles, string limitSetting, string fileExample)
{
    /// <summary>The whole body, refused past the body limit while it is read.</summary>
    public async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 16 * 1024);
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellation)) > 0)
        {
            if (buffer.Length + read > maxBodyBytes) throw BodyTooLarge(null);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>Every file of a multipart body, in order, each with its file name (else its part name).</summary>
    public async Task<IReadOnlyList<(string Name, byte[] Bytes)>> ReadFilesAsync(HttpRequest request, CancellationToken cancellation)
    {
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellation);
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            throw RequestProblem.TooLarge($"The multipart body is over a limit of the server ({e.Message.TrimEnd('.')}); send at most {maxFiles} files and {Megabytes(maxBodyBytes)} in all.");
        }
        catch (Exception e) when (e is InvalidDataException or IOException && e is not BadHttpRequestException)
        {
            throw RequestProblem.BadRequest($"The multipart/form-data body is malformed ({e.Message.TrimEnd('.')}); send each image as a file part (curl -F image=@{fileExample}).");
        }
        if (form.Files.Count == 0)
            throw RequestProblem.BadRequest($"The multipart body holds no file; send each image as a file part (curl -F image=@{fileExample}).");
        if (form.Files.Count > maxFiles)
            throw RequestProblem.TooLarge($"The multipart body holds {form.Files.Count} files; the server scores at most {maxFiles} per request. Split them over several requests.");
        var files = new List<(string, byte[])>(form.Files.Count);
        foreach (var file in form.Files)
        {
            using var stream = new MemoryStream((int)file.Length);
            await file.CopyToAsync(stream, cancellation);
            files.Add((string.IsNullOrEmpty(file.FileName) ? file.Name : file.FileName, stream.ToArray()));
        }
        return files;
    }

    /// <summary>The 413 for a body of <paramref name="length"/> bytes (null: found too large while reading).</summary>
    public RequestProblem BodyTooLarge(long? length) => RequestProblem.TooLarge(
        (length is { } bytes ? $"The body is {Megabytes(bytes)}" : "The body is larger than the server takes") +
        $"; the server reads at most {Megabytes(maxBodyBytes)} per request{limitSetting}. Send a smaller image.");

    private static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024):0.##} MB";
}
