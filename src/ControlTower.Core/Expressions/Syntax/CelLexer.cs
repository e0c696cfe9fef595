using System.Globalization;
using System.Text;

namespace ControlTower.Core.Expressions;

internal enum TokenKind
{
    Eof,
    Ident,
    QuotedIdent,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Dot,
    Comma,
    Colon,
    Question,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Not,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

/// <summary>A token; <see cref="Value"/> holds the decoded literal (string, byte[], or the number text).</summary>
internal readonly record struct Token(TokenKind Kind, int Start, int End, string Text, object? Value);

/// <summary>Turns CEL source into tokens, decoding string and bytes literals (all quote styles, raw, escapes).</summary>
internal sealed class CelLexer
{
    private readonly string _src;
    private int _pos;

    public CelLexer(string source) => _src = source;

    public static List<Token> Tokenize(string source)
    {
        var lexer = new CelLexer(source);
        var tokens = new List<Token>();
        Token t;
        do
        {
            t = lexer.Next();
            tokens.Add(t);
        }
        while (t.Kind != TokenKind.Eof);

        return tokens;
    }

    private Token Next()
    {
        SkipTrivia();
        if (_pos >= _src.Length)
        {
            return new Token(TokenKind.Eof, _pos, _pos, "<EOF>", null);
        }

        var start = _pos;
        var c = _src[_pos];
        if (char.IsAsciiDigit(c) || (c == '.' && _pos + 1 < _src.Length && char.IsAsciiDigit(_src[_pos + 1])))
        {
            return LexNumber();
        }

        if (c == '_' || char.IsAsciiLetter(c))
        {
            while (_pos < _src.Length && (_src[_pos] == '_' || char.IsAsciiLetterOrDigit(_src[_pos])))
            {
                _pos++;
            }

            var word = _src[start.._pos];
            if (_pos < _src.Length && (_src[_pos] == '"' || _src[_pos] == '\'') && IsStringPrefix(word))
            {
                var lower = word.ToLowerInvariant();
                return LexString(start, raw: lower.Contains('r', StringComparison.Ordinal), bytes: lower.Contains('b', StringComparison.Ordinal));
            }

            return new Token(TokenKind.Ident, start, _pos, word, word);
        }

        if (c is '"' or '\'')
        {
            return LexString(start, raw: false, bytes: false);
        }

        if (c == '`')
        {
            var end = _src.IndexOf('`', _pos + 1);
            if (end < 0)
            {
                throw CelParser.Error(_src, start, "unterminated quoted identifier");
            }

            var name = _src[(_pos + 1)..end];
            if (name.Length == 0 || name.Any(ch => !(ch is '_' or '.' or '-' or '/' or ' ' || char.IsAsciiLetterOrDigit(ch))))
            {
                throw CelParser.Error(_src, start, "invalid quoted identifier");
            }

            _pos = end + 1;
            return new Token(TokenKind.QuotedIdent, start, _pos, name, name);
        }

        return LexPunctuation(start, c);
    }

    private static bool IsStringPrefix(string word) =>
        word.Length <= 2 && word.All(ch => ch is 'r' or 'R' or 'b' or 'B') && !(word.Length == 2 && char.ToLowerInvariant(word[0]) == char.ToLowerInvariant(word[1]));

    private Token LexPunctuation(int start, char c)
    {
        char? next = _pos + 1 < _src.Length ? _src[_pos + 1] : null;
        (TokenKind kind, int len) = c switch
        {
            '(' => (TokenKind.LParen, 1),
            ')' => (TokenKind.RParen, 1),
            '[' => (TokenKind.LBracket, 1),
            ']' => (TokenKind.RBracket, 1),
            '{' => (TokenKind.LBrace, 1),
            '}' => (TokenKind.RBrace, 1),
            '.' => (TokenKind.Dot, 1),
            ',' => (TokenKind.Comma, 1),
            ':' => (TokenKind.Colon, 1),
            '?' => (TokenKind.Question, 1),
            '+' => (TokenKind.Plus, 1),
            '-' => (TokenKind.Minus, 1),
            '*' => (TokenKind.Star, 1),
            '/' => (TokenKind.Slash, 1),
            '%' => (TokenKind.Percent, 1),
            '!' when next == '=' => (TokenKind.Ne, 2),
            '!' => (TokenKind.Not, 1),
            '=' when next == '=' => (TokenKind.Eq, 2),
            '<' when next == '=' => (TokenKind.Le, 2),
            '<' => (TokenKind.Lt, 1),
            '>' when next == '=' => (TokenKind.Ge, 2),
            '>' => (TokenKind.Gt, 1),
            '&' when next == '&' => (TokenKind.And, 2),
            '|' when next == '|' => (TokenKind.Or, 2),
            _ => throw CelParser.Error(_src, start, $"Syntax error: token recognition error at: '{c}'"),
        };
        _pos += len;
        return new Token(kind, start, _pos, _src[start.._pos], null);
    }

    private void SkipTrivia()
    {
        while (_pos < _src.Length)
        {
            var c = _src[_pos];
            if (c is ' ' or '\t' or '\n' or '\r' or '\f' or '\v')
            {
                _pos++;
            }
            else if (c == '/' && _pos + 1 < _src.Length && _src[_pos + 1] == '/')
            {
                while (_pos < _src.Length && _src[_pos] != '\n')
                {
                    _pos++;
                }
            }
            else
            {
                return;
            }
        }
    }

    private Token LexNumber()
    {
        var start = _pos;
        if (_src[_pos] == '0' && _pos + 1 < _src.Length && (_src[_pos + 1] is 'x' or 'X'))
        {
            _pos += 2;
            var digitsStart = _pos;
            while (_pos < _src.Length && char.IsAsciiHexDigit(_src[_pos]))
            {
                _pos++;
            }

            if (_pos == digitsStart)
            {
                throw CelParser.Error(_src, start, "Syntax error: invalid hex literal");
            }

            var hex = _src[digitsStart.._pos];
            if (!ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hexValue))
            {
                throw CelParser.Error(_src, start, "invalid int literal");
            }

            return IntegerToken(start, hexValue);
        }

        var isDouble = false;
        while (_pos < _src.Length && char.IsAsciiDigit(_src[_pos]))
        {
            _pos++;
        }

        if (_pos + 1 < _src.Length && _src[_pos] == '.' && char.IsAsciiDigit(_src[_pos + 1]))
        {
            isDouble = true;
            _pos++;
            while (_pos < _src.Length && char.IsAsciiDigit(_src[_pos]))
            {
                _pos++;
            }
        }

        if (_pos < _src.Length && _src[_pos] is 'e' or 'E')
        {
            var save = _pos;
            _pos++;
            if (_pos < _src.Length && _src[_pos] is '+' or '-')
            {
                _pos++;
            }

            if (_pos < _src.Length && char.IsAsciiDigit(_src[_pos]))
            {
                isDouble = true;
                while (_pos < _src.Length && char.IsAsciiDigit(_src[_pos]))
                {
                    _pos++;
                }
            }
            else
            {
                _pos = save;
            }
        }

        var text = _src[start.._pos];
        if (isDouble)
        {
            var d = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            return new Token(TokenKind.Double, start, _pos, text, d);
        }

        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw CelParser.Error(_src, start, "invalid int literal");
        }

        return IntegerToken(start, value);
    }

    /// <summary>Int tokens keep the unsigned magnitude so the parser can fold <c>-9223372036854775808</c>.</summary>
    private Token IntegerToken(int start, ulong magnitude)
    {
        if (_pos < _src.Length && _src[_pos] is 'u' or 'U')
        {
            _pos++;
            return new Token(TokenKind.Uint, start, _pos, _src[start.._pos], magnitude);
        }

        return new Token(TokenKind.Int, start, _pos, _src[start.._pos], magnitude);
    }

    private Token LexString(int start, bool raw, bool bytes)
    {
        var quote = _src[_pos];
        var triple = _pos + 2 < _src.Length && _src[_pos + 1] == quote && _src[_pos + 2] == quote;
        _pos += triple ? 3 : 1;
        var buffer = new List<byte>();
        var text = new StringBuilder();
        while (true)
        {
            if (_pos >= _src.Length)
            {
                throw CelParser.Error(_src, start, "Syntax error: unterminated string literal");
            }

            var c = _src[_pos];
            if (c == quote && (!triple || (_pos + 2 < _src.Length && _src[_pos + 1] == quote && _src[_pos + 2] == quote)))
            {
                _pos += triple ? 3 : 1;
                break;
            }

            if (!triple && c is '\n' or '\r')
            {
                throw CelParser.Error(_src, _pos, "Syntax error: newline in single-quoted string literal");
            }

            if (c == '\\' && !raw)
            {
                ReadEscape(bytes, buffer, text);
                continue;
            }

            var len = char.IsHighSurrogate(c) && _pos + 1 < _src.Length ? 2 : 1;
            Append(bytes, buffer, text, _src.Substring(_pos, len));
            _pos += len;
        }

        var kind = bytes ? TokenKind.Bytes : TokenKind.String;
        object value = bytes ? buffer.ToArray() : text.ToString();
        return new Token(kind, start, _pos, _src[start.._pos], value);
    }

    private static void Append(bool bytes, List<byte> buffer, StringBuilder text, string s)
    {
        if (bytes)
        {
            buffer.AddRange(Encoding.UTF8.GetBytes(s));
        }
        else
        {
            text.Append(s);
        }
    }

    private void ReadEscape(bool bytes, List<byte> buffer, StringBuilder text)
    {
        var escStart = _pos;
        _pos++;
        if (_pos >= _src.Length)
        {
            throw CelParser.Error(_src, escStart, "Syntax error: invalid escape sequence");
        }

        var e = _src[_pos++];
        switch (e)
        {
            case 'a': Append(bytes, buffer, text, "\a"); return;
            case 'b': Append(bytes, buffer, text, "\b"); return;
            case 'f': Append(bytes, buffer, text, "\f"); return;
            case 'n': Append(bytes, buffer, text, "\n"); return;
            case 'r': Append(bytes, buffer, text, "\r"); return;
            case 't': Append(bytes, buffer, text, "\t"); return;
            case 'v': Append(bytes, buffer, text, "\v"); return;
            case '\\' or '\'' or '"' or '`' or '?': Append(bytes, buffer, text, e.ToString()); return;
            case 'x' or 'X':
                AppendByteOrCodePoint(bytes, buffer, text, ReadHex(2, escStart));
                return;
            case 'u' or 'U':
                var cp = ReadHex(e == 'u' ? 4 : 8, escStart);
                if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                {
                    throw CelParser.Error(_src, escStart, "Syntax error: invalid unicode code point");
                }

                Append(bytes, buffer, text, char.ConvertFromUtf32(cp));
                return;
            case >= '0' and <= '3':
                if (_pos + 1 < _src.Length && _src[_pos] is >= '0' and <= '7' && _src[_pos + 1] is >= '0' and <= '7')
                {
                    var octal = ((e - '0') * 64) + ((_src[_pos] - '0') * 8) + (_src[_pos + 1] - '0');
                    _pos += 2;
                    AppendByteOrCodePoint(bytes, buffer, text, octal);
                    return;
                }

                break;
        }

        throw CelParser.Error(_src, escStart, "Syntax error: invalid escape sequence");
    }

    /// <summary>\x and octal escapes are one byte in bytes literals, one code point (U+0000..U+00FF) in strings.</summary>
    private static void AppendByteOrCodePoint(bool bytes, List<byte> buffer, StringBuilder text, int value)
    {
        if (bytes)
        {
            buffer.Add((byte)value);
        }
        else
        {
            text.Append((char)value);
        }
    }

    private int ReadHex(int count, int escStart)
    {
        if (_pos + count > _src.Length ||
            !int.TryParse(_src.AsSpan(_pos, count), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) ||
            value < 0)
        {
            throw CelParser.Error(_src, escStart, "Syntax error: invalid hex escape");
        }

        _pos += count;
        return value;
    }
}
