using Json.Schema;

namespace ControlTower.Core.Schemas;

/// <summary>
/// JsonSchema.Net's messages, worded as rules on the value and without the <c>[[received]]</c> token: a message may
/// reach a client, a log or an audit entry, and the value may be a secret. <c>Required</c> is the bare list of missing
/// names, which <see cref="SchemaResultReader"/> splits into one violation per property.
/// </summary>
internal static class SchemaMessages
{
    public static void Configure()
    {
        ErrorMessages.FalseSchema = "no value is allowed here";
        ErrorMessages.Const = "must equal the schema's constant";
        ErrorMessages.ContainsTooFew = "must contain at least [[minimum]] matching items";
        ErrorMessages.ContainsTooMany = "must contain at most [[maximum]] matching items";
        ErrorMessages.DependentRequired = "needs the properties [[missing]]";
        ErrorMessages.DependentSchemas = "does not match the schema its properties require";
        ErrorMessages.Enum = "must be one of the allowed values";
        ErrorMessages.ExclusiveMaximum = "must be less than [[limit]]";
        ErrorMessages.ExclusiveMinimum = "must be greater than [[limit]]";
        ErrorMessages.UnknownFormat = "has the unknown format [[format]]";
        ErrorMessages.Format = "must be a valid [[format]]";
        ErrorMessages.FormatWithDetail = "must be a valid [[format]]";
        ErrorMessages.Maximum = "must be at most [[limit]]";
        ErrorMessages.MaxItems = "must have at most [[limit]] items";
        ErrorMessages.MaxLength = "must be at most [[limit]] characters long";
        ErrorMessages.MaxProperties = "must have at most [[limit]] properties";
        ErrorMessages.Minimum = "must be at least [[limit]]";
        ErrorMessages.MinItems = "must have at least [[limit]] items";
        ErrorMessages.MinLength = "must be at least [[limit]] characters long";
        ErrorMessages.MinProperties = "must have at least [[limit]] properties";
        ErrorMessages.MultipleOf = "must be a multiple of [[divisor]]";
        ErrorMessages.OneOf = "must match exactly one of the allowed schemas (matched [[count]])";
        ErrorMessages.Pattern = "must match the schema's pattern";
        ErrorMessages.Required = "[[missing]]";
        ErrorMessages.Type = "must be of type [[expected]]";
        ErrorMessages.UniqueItems = "items must be unique";
    }
}
