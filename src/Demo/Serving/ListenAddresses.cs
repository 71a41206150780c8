using System.Net;

namespace CnnMl.Demo.Serving;

/// <summary>Which of Kestrel's listen addresses (<c>--urls</c>) reach beyond this machine.</summary>
internal static class ListenAddresses
{
    /// <summary>
    /// The URLs whose host is not a loopback address: <c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>[::]</c>, a host name other
    /// than <c>localhost</c>, any address outside 127.0.0.0/8 and ::1. Throws <see cref="ArgumentException"/> for a URL
    /// that is not <c>http://HOST:PORT</c> or <c>https://HOST:PORT</c>.
    /// </summary>
    public static IReadOnlyList<string> NonLoopback(IEnumerable<string> urls) => urls.Where(u => !IsLoopback(u)).ToList();

    private static bool IsLoopback(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0 || url[..schemeEnd] is not ("http" or "https"))
            throw new ArgumentException($"--urls: '{url}' is not an address Kestrel listens on; give http://HOST:PORT (e.g. {ServerOptions.DefaultUrl}).");
        var rest = url[(schemeEnd + 3)..];
        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        string host;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (close < 0) throw new ArgumentException($"--urls: '{url}' has an IPv6 address without its closing ']'.");
            host = authority[1..close];
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
        }
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }
}
