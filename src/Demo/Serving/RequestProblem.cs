using Microsoft.AspNetCore.Http;

namespace CnnMl.Demo.Serving;

/// <summary>
/// A request the server refuses: thrown while a request is read and answered as RFC 7807
/// <c>application/problem+json</c> with <see cref="Status"/>, <see cref="Title"/> and the message as <c>detail</c>,
/// a sentence saying what was wrong and what to send instead.
/// </summary>
internal sealed class RequestProblem(int status, string title, string detail) : Exception(detail)
{
    /// <summary>The HTTP status (400, 401, 413, 415, 503).</summary>
    public int Status { get; } = status;

    /// <summary>The problem's short, fixed title.</summary>
    public string Title { get; } = title;

    /// <summary>400: the body is not what it claims to be (not an image, undecodable, wrong pixel count).</summary>
    public static RequestProblem BadRequest(string detail) => new(StatusCodes.Status400BadRequest, "The request cannot be scored", detail);

    /// <summary>413: the body, or the image it declares, is larger than the server takes.</summary>
    public static RequestProblem TooLarge(string detail) => new(StatusCodes.Status413PayloadTooLarge, "Too large", detail);

    /// <summary>415: a media type /predict does not read.</summary>
    public static RequestProblem UnsupportedMediaType(string detail) => new(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", detail);

    /// <summary>The problem as the response's result.</summary>
    public IResult ToResult() => Results.Problem(Message, statusCode: Status, title: Title);
}
