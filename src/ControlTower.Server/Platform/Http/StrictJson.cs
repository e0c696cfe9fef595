using System.Buffers;
using System.Text;
using System.Text.Json;
using ControlTower.Core.Errors;
using ControlTower.Server.Platform.Configuration;
using ControlTower.Server.Platform.Errors;

namespace ControlTower.Server.Platform.Http;

/// <summary>
/// One strict pass over a JSON body before anything binds it: valid UTF-8, no duplicate property names, no lone
/// surrogate escapes, no NUL, bounded depth, and (for API bodies) bounded top-level free text. The serializer and
/// <c>JsonNode</c> accept some of these and fail later and lazily (a 500 deep inside a handler), so they are refused here,
/// each as a 400 naming the byte position.
/// </summary>
internal static class StrictJson
{
    private static readonly HashSet<string> NameFields = new(StringComparer.OrdinalIgnoreCase) { "name", "id", "email", "displayName", "title" };

    private static readonly HashSet<string> TextFields = new(StringComparer.OrdinalIgnoreCase) { "description", "message", "reason", "comment", "text", "note" };

    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    /// <param name="body">the raw body.</param>
    /// <param name="limits">depth and free-text limits.</param>
    /// <param name="checkFreeText">whether top-level name and text fields are length-checked (API bodies, not webhook payloads).</param>
    /// <exception cref="ControlTowerException">400 <c>request.malformed_json</c>, <c>request.invalid_character</c> or <c>request.text_too_long</c>.</exception>
    public static void Validate(ReadOnlySpan<byte> body, InputOptions limits, bool checkFreeText)
    {
        var offset = body.StartsWith(Bom) ? Bom.Length : 0;
        var json = body[offset..];
        if (FirstInvalidUtf8(json) is { } invalid)
        {
            throw Problem(ErrorCodes.MalformedJson, "The request body is not valid UTF-8.", body, offset + invalid);
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = limits.MaxJsonDepth, CommentHandling = JsonCommentHandling.Disallow });
        var scopes = new Stack<HashSet<string>?>();
        string? topLevelProperty = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        scopes.Push(new HashSet<string>(StringComparer.Ordinal));
                        break;
                    case JsonTokenType.StartArray:
                        scopes.Push(null);
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        scopes.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var name = ReadString(ref reader, body, offset);
                        if (!scopes.Peek()!.Add(name))
                        {
                            throw Problem(ErrorCodes.MalformedJson, $"The property '{Shorten(name)}' appears twice in one object.", body, offset + reader.TokenStartIndex);
                        }

                        topLevelProperty = reader.CurrentDepth == 1 ? name : topLevelProperty;
                        break;
                    case JsonTokenType.String:
                        var value = ReadString(ref reader, body, offset);
                        if (checkFreeText && reader.CurrentDepth == 1 && topLevelProperty is not null)
                        {
                            CheckLength(topLevelProperty, value, limits, body, offset + reader.TokenStartIndex);
                        }

                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            throw Problem(ErrorCodes.MalformedJson, $"The request body is not valid JSON: {FirstSentence(ex.Message)}", body, offset + Offset(json, ex));
        }
    }

    private static string ReadString(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, int offset)
    {
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // The reader refuses to unescape a lone surrogate (\ud800) into a string.
            throw Problem(ErrorCodes.MalformedJson, "A string holds an escaped lone surrogate (\\ud800-\\udfff without its pair).", body, offset + reader.TokenStartIndex);
        }

        if (HasLoneSurrogate(text))
        {
            throw Problem(ErrorCodes.MalformedJson, "A string holds an escaped lone surrogate (\\ud800-\\udfff without its pair).", body, offset + reader.TokenStartIndex);
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw Problem(ErrorCodes.InvalidCharacter, "Text may not contain the NUL character (\\u0000).", body, offset + reader.TokenStartIndex);
        }

        return text;
    }

    private static void CheckLength(string property, string value, InputOptions limits, ReadOnlySpan<byte> body, long position)
    {
        var limit = NameFields.Contains(property) ? limits.MaxNameLength : TextFields.Contains(property) ? limits.MaxTextLength : int.MaxValue;
        if (value.Length > limit)
        {
            throw Problem(ErrorCodes.TextTooLong, $"'{property}' is {value.Length} characters long; the limit is {limit}.", body, position, property);
        }
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static int? FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var position = 0;
        while (position < bytes.Length)
        {
            var ascii = bytes[position..].IndexOfAnyExceptInRange((byte)0, (byte)0x7F);
            if (ascii < 0)
            {
                return null;
            }

            position += ascii;
            if (Rune.DecodeFromUtf8(bytes[position..], out _, out var consumed) != OperationStatus.Done)
            {
                return position;
            }

            position += consumed;
        }

        return null;
    }

    /// <summary>The byte offset a reader error points at, from its 0-based line and byte-in-line.</summary>
    private static long Offset(ReadOnlySpan<byte> json, JsonException ex)
    {
        long line = 0;
        var start = 0;
        while (line < (ex.LineNumber ?? 0))
        {
            var next = json[start..].IndexOf((byte)'\n');
            if (next < 0)
            {
                break;
            }

            start += next + 1;
            line++;
        }

        return Math.Min(json.Length, start + (ex.BytePositionInLine ?? 0));
    }

    private static ControlTowerException Problem(string code, string message, ReadOnlySpan<byte> body, long position, string? field = null)
    {
        var before = body[..(int)Math.Min(position, body.Length)];
        var line = before.Count((byte)'\n') + 1;
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        var column = before.Length - lineStart + 1;
        var details = new Dictionary<string, object?> { ["line"] = line, ["column"] = column, ["position"] = position };
        if (field is not null)
        {
            details["field"] = field;
        }

        return new ControlTowerException(ErrorKind.Validation, code, $"{message} (line {line}, byte {column})") { Details = details };
    }

    // Reader messages end with their own "LineNumber: ... | BytePositionInLine: ..." which the details say better.
    private static string FirstSentence(string message) => message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd();

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
