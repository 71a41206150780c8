using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace CnnMl.Demo.Serving;

/// <summary>
/// With <c>--api-key</c>, <c>/predict</c> and <c>/model</c> answer only requests whose <c>X-Api-Key</c> header holds the
/// key (compared in constant time); others get 401. The page (<c>/</c>) and <c>/health</c> stay open: they reveal
/// nothing, and the page asks for the key and sends it itself.
/// </summary>
internal sealed class ApiKeyCheck(string key)
{
    /// <summary>The header clients send the key in.</summary>
    public const string HeaderName = "X-Api-Key";

    private readonly byte[] _keyDigest = SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The paths that need the key.</summary>
    public static bool Protects(PathString path) => path.StartsWithSegments("/predict") || path.StartsWithSegments("/model");

    /// <summary>Null when the request carries the key, else the 401 answer.</summary>
    public RequestProblem? Check(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(HeaderName, out var sent) || sent.Count != 1 || string.IsNullOrEmpty(sent[0]))
            return new RequestProblem(StatusCodes.Status401Unauthorized, "API key required",
                $"This server asks for an API key: send it in the {HeaderName} header (the key given to cnnml serve --api-key).");
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(sent[0]!));
        return CryptographicOperations.FixedTimeEquals(digest, _keyDigest) ? null
            : new RequestProblem(StatusCodes.Status401Unauthorized, "API key rejected",
                $"The {HeaderName} header does not hold this server's API key; send the key given to cnnml serve --api-key.");
    }
}
