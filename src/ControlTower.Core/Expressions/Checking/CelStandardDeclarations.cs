namespace ControlTower.Core.Expressions;

/// <summary>Signatures of the standard library and the bundled extensions, as the checker sees them.</summary>
internal static class CelStandardDeclarations
{
    private static readonly string[] Numbers = ["int", "uint", "double"];

    /// <summary>Runtime functions whose result the checker does not model (variadic math); their result is dyn.</summary>
    public static readonly HashSet<string> Unmodelled = ["math.greatest", "math.least"];

    public static readonly IReadOnlyDictionary<string, IReadOnlyList<CelOverload>> Functions = Build();

    private static Dictionary<string, IReadOnlyList<CelOverload>> Build()
    {
        var specs = new List<(string Name, string Signature)>();
        void Add(string names, params string[] signatures)
        {
            foreach (var name in names.Split(' '))
            {
                specs.AddRange(signatures.Select(s => (name, s)));
            }
        }

        Add("_+_", "int,int->int", "uint,uint->uint", "double,double->double", "string,string->string", "bytes,bytes->bytes",
            "list(A),list(A)->list(A)", "timestamp,duration->timestamp", "duration,timestamp->timestamp", "duration,duration->duration");
        Add("_-_", "int,int->int", "uint,uint->uint", "double,double->double", "timestamp,timestamp->duration",
            "timestamp,duration->timestamp", "duration,duration->duration");
        Add("_*_ _/_", "int,int->int", "uint,uint->uint", "double,double->double");
        Add("_%_", "int,int->int", "uint,uint->uint");
        Add("-_", "int->int", "double->double");
        Add("!_", "bool->bool");
        Add("_==_ _!=_", "A,A->bool");
        var ordered = Numbers.SelectMany(a => Numbers.Select(b => $"{a},{b}->bool"))
            .Concat(["string,string->bool", "bytes,bytes->bool", "bool,bool->bool", "timestamp,timestamp->bool", "duration,duration->bool"])
            .ToArray();
        Add("_<_ _<=_ _>_ _>=_", ordered);
        Add("@in", "A,list(A)->bool", "A,map(A,B)->bool");
        Add("_[_]", "list(A),int->A", "list(A),uint->A", "map(A,B),A->B", "optional_type(list(A)),int->optional_type(A)",
            "optional_type(map(A,B)),A->optional_type(B)");
        Add("_[?_]", "list(A),int->optional_type(A)", "map(A,B),A->optional_type(B)",
            "optional_type(list(A)),int->optional_type(A)", "optional_type(map(A,B)),A->optional_type(B)");
        Add("size", "string->int", "bytes->int", "list(A)->int", "map(A,B)->int");
        Add("int", "int->int", "uint->int", "double->int", "string->int", "timestamp->int");
        Add("uint", "int->uint", "uint->uint", "double->uint", "string->uint");
        Add("double", "int->double", "uint->double", "double->double", "string->double");
        Add("string", "int->string", "uint->string", "double->string", "bool->string", "string->string", "bytes->string",
            "timestamp->string", "duration->string");
        Add("bytes", "string->bytes", "bytes->bytes");
        Add("bool", "bool->bool", "string->bool");
        Add("timestamp", "string->timestamp", "int->timestamp", "timestamp->timestamp");
        Add("duration", "string->duration", "duration->duration");
        Add("dyn", "A->dyn");
        Add("type", "A->type(A)");
        Add("contains startsWith endsWith matches", "string,string->bool");
        Add("getFullYear getMonth getDate getDayOfMonth getDayOfWeek getDayOfYear", "timestamp->int", "timestamp,string->int");
        Add("getHours getMinutes getSeconds getMilliseconds", "timestamp->int", "timestamp,string->int", "duration->int");
        Add("optional.of optional.ofNonZeroValue", "A->optional_type(A)");
        Add("optional.none", "->optional_type(A)");
        Add("hasValue", "optional_type(A)->bool");
        Add("value", "optional_type(A)->A");
        Add("orValue", "optional_type(A),A->A");
        Add("or", "optional_type(A),optional_type(A)->optional_type(A)");
        Add("charAt", "string,int->string");
        Add("indexOf lastIndexOf", "string,string->int", "string,string,int->int");
        Add("lowerAscii upperAscii trim reverse strings.quote", "string->string");
        Add("replace", "string,string,string->string", "string,string,string,int->string");
        Add("split", "string,string->list(string)", "string,string,int->list(string)");
        Add("substring", "string,int->string", "string,int,int->string");
        Add("join", "list(string)->string", "list(string),string->string");
        Add("format", "string,list(dyn)->string");
        Add("base64.encode", "bytes->string");
        Add("base64.decode", "string->bytes");
        Add("math.ceil math.floor math.round math.trunc", "double->double");
        Add("math.abs math.sign", "int->int", "uint->uint", "double->double");
        Add("math.isNaN math.isInf math.isFinite", "double->bool");
        Add("math.bitAnd math.bitOr math.bitXor", "int,int->int", "uint,uint->uint");
        Add("math.bitNot", "int->int", "uint->uint");
        Add("math.bitShiftLeft math.bitShiftRight", "int,int->int", "uint,int->uint");
        Add("math.sqrt", "int->double", "uint->double", "double->double");

        return specs
            .GroupBy(s => s.Name)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<CelOverload>)g.Select(s => ParseSignature(g.Key, s.Signature)).ToList());
    }

    private static CelOverload ParseSignature(string name, string signature)
    {
        var arrow = signature.IndexOf("->", StringComparison.Ordinal);
        var parameters = SplitTopLevel(signature[..arrow]).Select(CelCheckType.Parse).ToList();
        return new CelOverload($"{name}:{signature}", parameters, CelCheckType.Parse(signature[(arrow + 2)..]));
    }

    /// <summary>Splits a comma list, ignoring commas inside parentheses.</summary>
    public static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch
            {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        if (text.Length > start)
        {
            yield return text[start..];
        }
    }
}
