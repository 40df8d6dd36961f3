using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Takt.Contracts.Events;
using Takt.Integration.Gateway;
using Takt.Testing;
using Xunit;

namespace Takt.Gateway.Tests;

/// <summary>
/// The quick schema check may only ever agree with JsonSchema.Net: whatever it calls valid or invalid, the
/// general evaluator must call the same (it may say "unsure" and leave the case to the evaluator). The data are
/// real event bodies mutated the ways clients get them wrong: members dropped, added, renamed, retyped, emptied,
/// and strings the quick check must not guess about.
/// </summary>
public sealed class SchemaCheckProperties
{
    private static readonly JsonNode?[] Values =
    [
        null, true, false, 0, -1, 1.5, 12, 1e300, "", " ", "H87", "h87", "HURX", "KG", "AB\n", "ÄB", "\u00e9t\u00e9", "PA01", "x\u0000y",
        new JsonObject(), new JsonArray(), new JsonArray(1, 2), new JsonObject { ["value"] = 1, ["unit"] = "H87" },
        new JsonObject { ["value"] = "1", ["unit"] = "H87" }, new JsonObject { ["value"] = 1 }, new JsonObject { ["value"] = 1, ["unit"] = "H87", ["x"] = 1 },
    ];

    private static readonly string[] Names = ["plant", "order", "item", "quantity", "operation", "workCenter", "goodQuantity", "scrapQuantity", "machineTime", "labourTime", "value", "unit", "extra", "Plant"];

    public sealed record Mutation(int Kind, int Name, int Value, int Depth);

    private static JsonObject[] Samples() =>
    [
        (JsonObject)Events.MaterialIssued("PA01", "PA01-100001", "RM-3001", 2m, "H87")["data"]!,
        (JsonObject)Events.OperationConfirmed("PA01", "PA01-100001", "0010", "PA01-CNC1", 1m, "H87", scrap: 1m, machine: (0.5m, "HUR"), labour: (0.25m, "HUR"))["data"]!,
        (JsonObject)Events.OperationConfirmed("PA01", "PA01-100002", "0020", "PA01-TST1", 3m, "H87")["data"]!,
        (JsonObject)Events.YieldReported("PB01", "PB01-100001", "FG-1000", 5m, "H87")["data"]!,
    ];

    private static readonly string[] Types = [EventTypes.MaterialIssued, EventTypes.OperationConfirmed, EventTypes.OperationConfirmed, EventTypes.YieldReported];

    private static Arbitrary<(int Sample, Mutation[] Mutations)> Cases() =>
        (from sample in Gen.Choose(0, 3)
         from mutations in (from kind in Gen.Choose(0, 3)
                            from name in Gen.Choose(0, Names.Length - 1)
                            from value in Gen.Choose(0, Values.Length - 1)
                            from depth in Gen.Choose(0, 1)
                            select new Mutation(kind, name, value, depth)).ArrayOf()
         select (sample, mutations.Take(4).ToArray())).ToArbitrary();

    [Property(MaxTest = 2000)]
    public Property the_quick_check_never_disagrees_with_the_general_evaluator() =>
        Prop.ForAll(Cases(), c =>
        {
            var data = (JsonObject)Samples()[c.Sample].DeepClone();
            foreach (var m in c.Mutations)
                Apply(data, m);
            using var document = JsonDocument.Parse(data.ToJsonString());
            var type = Types[c.Sample];
            var quick = EventSchemas.QuickVerdict(type, document.RootElement);
            var general = EventSchemas.IsValid(type, document.RootElement);
            return (quick switch
            {
                SchemaVerdict.Valid => general,
                SchemaVerdict.Invalid => !general,
                _ => true,
            }).Label($"{type} {data.ToJsonString()}: quick {quick}, JsonSchema.Net {(general ? "valid" : "invalid")}");
        });

    [Fact]
    public void the_inbound_event_types_have_a_quick_check_and_it_decides_the_common_cases()
    {
        var samples = Samples();
        for (var i = 0; i < samples.Length; i++)
        {
            using var valid = JsonDocument.Parse(samples[i].ToJsonString());
            Assert.Equal(SchemaVerdict.Valid, EventSchemas.QuickVerdict(Types[i], valid.RootElement));
            var broken = (JsonObject)samples[i].DeepClone();
            broken.Remove("plant");
            using var invalid = JsonDocument.Parse(broken.ToJsonString());
            Assert.Equal(SchemaVerdict.Invalid, EventSchemas.QuickVerdict(Types[i], invalid.RootElement));
        }
    }

    /// <summary>Kind 0: set a member (maybe inside a nested object); 1: remove one; 2: rename one; 3: set a quantity's unit.</summary>
    private static void Apply(JsonObject data, Mutation m)
    {
        var target = data;
        if (m.Depth == 1 && data.Select(p => p.Value).OfType<JsonObject>().FirstOrDefault() is { } nested)
            target = nested;
        var name = Names[m.Name];
        switch (m.Kind)
        {
            case 0:
                target[name] = Values[m.Value]?.DeepClone();
                break;
            case 1:
                target.Remove(name);
                break;
            case 2 when target[name] is { } moved:
                target.Remove(name);
                target[Names[(m.Name + 1) % Names.Length]] = moved.DeepClone();
                break;
            case 3 when target.Select(p => p.Value).OfType<JsonObject>().FirstOrDefault() is { } quantity:
                quantity["unit"] = Values[m.Value]?.DeepClone();
                break;
        }
    }
}
