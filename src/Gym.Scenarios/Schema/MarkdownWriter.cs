using System.Text;

namespace Gym.Scenarios.Schema;

/// <summary>Writes the key tables of docs/scenarios.md from the schema description.</summary>
internal static class MarkdownWriter
{
    public static string Write(ObjectSchema root)
    {
        var builder = new StringBuilder();
        foreach (var schema in SchemaWalk.Objects(root))
        {
            builder.Append("### ").Append(schema.Title).Append("\n\n");
            builder.Append(schema.Description).Append("\n\n");
            builder.Append("| key | type | default | meaning |\n");
            builder.Append("| --- | --- | --- | --- |\n");
            if (schema.KindValue is { } kind)
            {
                builder.Append($"| `kind` | `{kind}` | required | {schema.KindDescription} |\n");
            }

            foreach (var field in schema.Fields)
            {
                builder.Append($"| `{field.Name}` | {field.Type.DocType} | {DefaultColumn(schema, field)} | {field.Description} |\n");
            }

            builder.Append('\n');
        }

        return builder.ToString();
    }

    private static string DefaultColumn(ObjectSchema schema, Field field)
    {
        if (field.Required)
        {
            return "required";
        }

        if (schema.Alternatives.Any(a => a.Key == field.Name))
        {
            return "one of " + string.Join(", ", schema.Alternatives.Select(a => $"`{a.Key}`"));
        }

        if (field.Default is { } text)
        {
            return text.Length == 0 || text.Contains(' ', StringComparison.Ordinal) ? $"`\"{text}\"`" : $"`{text}`";
        }

        return field.WhenAbsent ?? "—";
    }
}
