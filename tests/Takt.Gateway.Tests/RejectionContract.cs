using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Takt.Testing;
using Xunit;

namespace Takt.Gateway.Tests;

/// <summary>
/// Bad input gets a precise RFC 9457 problem — the status, the field as a JSON Pointer, the rule — and changes
/// nothing: every table's row count and every mutable row are the same afterwards (DESIGN §2.7, STYLE: Errors).
/// 400 when the envelope or the schema is broken, 422 when a business rule is, 413/415 for the request itself.
/// </summary>
public abstract class RejectionContract<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : HostFixture
{
    private const string Structured = "application/cloudevents+json";

    private TaktHost Host => fixture.Host;

    /// <summary>A material issue that would be accepted: 2 castings RM-3001 to housing order PA01-100008.</summary>
    private static JsonObject Good() => Events.MaterialIssued("PA01", "PA01-100008", "RM-3001", 2m, "H87", PlantCalendar.Now.AddMinutes(-5));

    [Fact]
    public async Task the_good_event_these_tests_break_is_accepted()
    {
        // Each test below changes one thing of this event; this shows that the one thing is why it is rejected.
        var accepted = await AcceptedEvent.ReadAsync(await Host.PostStructuredAsync(Good()));
        Assert.Single(accepted.JournalEntries);
    }

    [Fact]
    public async Task invalid_json_is_rejected_as_malformed() =>
        await AssertRejectedAsync(() => Host.PostRawAsync("""{ "specversion": "1.0", "id": """, Structured),
            HttpStatusCode.BadRequest, "", "json.malformed");

    /// <summary>
    /// Found by the fuzz run: a bad UTF-8 sequence inside a string passes the JSON parser and used to fail (500)
    /// only when the value was read. Structured, batch and binary mode refuse it up front.
    /// </summary>
    [Theory]
    [InlineData(Structured)]
    [InlineData("application/cloudevents-batch+json")]
    [InlineData("application/json")]
    public async Task a_body_with_invalid_utf8_inside_a_string_is_rejected_as_malformed(string contentType)
    {
        var text = contentType == Structured ? Good().ToJsonString() : contentType == "application/json" ? Good()["data"]!.ToJsonString() : new JsonArray(Good()).ToJsonString();
        var at = Encoding.UTF8.GetBytes(text[..(text.IndexOf("PA01", StringComparison.Ordinal) + 2)]).Length;
        var body = Encoding.UTF8.GetBytes(text).ToList();
        body.InsertRange(at, new byte[] { 0xC3, 0x28 });
        await AssertRejectedAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = new ByteArrayContent([.. body]) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            foreach (var (name, value) in new[] { ("ce-specversion", "1.0"), ("ce-id", Guid.NewGuid().ToString()), ("ce-source", "/mes/pa01/line-1"), ("ce-type", "takt.production.material-issued.v1") })
                request.Headers.Add(name, value);
            return await Host.Http.SendAsync(request, TestContext.Current.CancellationToken);
        }, HttpStatusCode.BadRequest, "", "json.malformed");
    }

    [Theory]
    [InlineData("specversion")]
    [InlineData("id")]
    [InlineData("source")]
    [InlineData("type")]
    public async Task an_event_without_a_required_cloudevents_attribute_is_rejected(string attribute)
    {
        var cloudEvent = Good();
        cloudEvent.Remove(attribute);
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.BadRequest, "/" + attribute, "cloudevents.required");
    }

    [Fact]
    public async Task an_empty_id_is_rejected_like_a_missing_one()
    {
        var cloudEvent = Good();
        cloudEvent["id"] = "";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.BadRequest, "/id", "cloudevents.required");
    }

    [Fact]
    public async Task a_specversion_other_than_1_0_is_rejected()
    {
        var cloudEvent = Good();
        cloudEvent["specversion"] = "0.3";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.BadRequest, "/specversion", "cloudevents.specversion-unsupported");
    }

    [Fact]
    public async Task an_unknown_event_type_is_rejected()
    {
        var cloudEvent = Good();
        cloudEvent["type"] = "takt.production.material-teleported.v1";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.BadRequest, "/type", "event.type-unknown");
    }

    [Fact]
    public async Task an_event_type_that_takt_publishes_is_not_accepted_from_clients()
    {
        var cloudEvent = Good();
        cloudEvent["type"] = "takt.ledger.journal-entry-posted.v1";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.BadRequest, "/type", "event.type-not-accepted");
    }

    [Fact]
    public async Task an_event_without_time_is_rejected_because_time_sets_the_posting_date()
    {
        var cloudEvent = Good();
        cloudEvent.Remove("time");
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.BadRequest, "/time", "cloudevents.time-required");
    }

    [Fact]
    public async Task a_time_without_an_offset_is_rejected()
    {
        var cloudEvent = Good();
        cloudEvent["time"] = "2025-03-04T10:00:00";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.BadRequest, "/time", "cloudevents.time-invalid");
    }

    [Fact]
    public async Task an_extension_attribute_that_is_an_object_is_rejected()
    {
        var cloudEvent = Good();
        cloudEvent["plantline"] = new System.Text.Json.Nodes.JsonObject { ["line"] = 1 };
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.BadRequest, "/plantline", "cloudevents.attribute-invalid");
    }

    [Fact]
    public async Task an_attribute_name_the_spec_forbids_is_rejected()
    {
        var cloudEvent = Good();
        cloudEvent["Line-Name"] = "x";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.BadRequest, "", "cloudevents.invalid");
    }

    [Fact]
    public async Task an_event_time_more_than_the_allowed_skew_in_the_future_is_rejected()
    {
        // IngestOptions.MaxFutureSkew is 5 minutes.
        var cloudEvent = Good();
        cloudEvent["time"] = PlantCalendar.Now.AddHours(1).ToString("O");
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.BadRequest, "/time", "event.time-in-future");
    }

    [Fact]
    public async Task data_as_a_string_instead_of_an_object_is_rejected()
    {
        var cloudEvent = Good();
        cloudEvent["data"] = "PA01-100008 RM-3001 2";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.BadRequest, "/data", "cloudevents.data-required");
    }

    [Fact]
    public async Task a_quantity_value_given_as_a_string_violates_the_schema()
    {
        var cloudEvent = Good();
        cloudEvent["data"]!["quantity"]!["value"] = "2";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.BadRequest, "/data/quantity/value", "schema.type");
    }

    [Fact]
    public async Task an_event_without_its_order_violates_the_schema()
    {
        var cloudEvent = Good();
        cloudEvent["data"]!.AsObject().Remove("order");
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.BadRequest, "/data/order", "schema.required");
    }

    [Fact]
    public async Task a_property_the_schema_does_not_know_is_rejected()
    {
        var cloudEvent = Good();
        cloudEvent["data"]!["batch"] = "B-17";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.BadRequest, "/data/batch", "schema.additionalProperties");
    }

    [Fact]
    public async Task an_unknown_plant_is_rejected()
    {
        var cloudEvent = Good();
        cloudEvent["data"]!["plant"] = "PZ99";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/data/plant", "plant.unknown");
    }

    [Fact]
    public async Task an_unknown_order_is_rejected()
    {
        var cloudEvent = Good();
        cloudEvent["data"]!["order"] = "PA01-999999";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/data/order", "order.unknown");
    }

    [Fact]
    public async Task an_order_of_another_plant_is_rejected()
    {
        var cloudEvent = Good();
        cloudEvent["data"]!["plant"] = "PB01";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/data/plant", "order.plant-mismatch");
    }

    [Fact]
    public async Task an_unknown_item_is_rejected()
    {
        var cloudEvent = Good();
        cloudEvent["data"]!["item"] = "RM-9999";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/data/item", "item.unknown");
    }

    [Fact]
    public async Task an_item_that_is_not_a_component_of_the_order_is_rejected()
    {
        // Housings are machined from RM-3001 and RM-3005; seal kits (RM-3003) go into pumps.
        var cloudEvent = Good();
        cloudEvent["data"]!["item"] = "RM-3003";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/data/item", "order.component-unknown");
    }

    [Fact]
    public async Task a_unit_that_does_not_convert_to_the_items_base_unit_is_rejected()
    {
        // RM-3001 castings are counted (H87); kilograms are mass.
        var cloudEvent = Good();
        cloudEvent["data"]!["quantity"]!["unit"] = "KGM";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/data/quantity/unit", "quantity.unit-not-convertible");
    }

    [Fact]
    public async Task a_unit_code_takt_does_not_know_is_rejected()
    {
        var cloudEvent = Good();
        cloudEvent["data"]!["quantity"]!["unit"] = "XYZ";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/data/quantity/unit", "unit.unknown");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public async Task an_issued_quantity_that_is_not_positive_is_rejected(int quantity)
    {
        var cloudEvent = Good();
        cloudEvent["data"]!["quantity"]!["value"] = quantity;
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/data/quantity/value", "quantity.positive");
    }

    [Fact]
    public async Task a_quantity_finer_than_the_stored_precision_is_rejected()
    {
        // Quantities are kept to 6 decimals; 0.0000001 would be lost.
        var cloudEvent = Good();
        cloudEvent["data"]!["quantity"]!["value"] = 2.0000001m;
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/data/quantity/value", "quantity.precision");
    }

    [Fact]
    public async Task negative_labour_time_is_rejected()
    {
        var cloudEvent = Events.OperationConfirmed("PA01", "PA01-100008", "0010", "PA01-CNC1", 1m, "H87", labour: (-0.5m, "HUR"), time: PlantCalendar.Now.AddMinutes(-5));
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/data/labourTime/value", "quantity.non-negative");
    }

    [Fact]
    public async Task a_confirmation_without_quantities_or_times_is_rejected()
    {
        var cloudEvent = Events.OperationConfirmed("PA01", "PA01-100008", "0010", "PA01-CNC1", 0m, "H87", time: PlantCalendar.Now.AddMinutes(-5));
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/data", "confirmation.empty");
    }

    [Fact]
    public async Task a_confirmation_from_a_work_center_the_operation_does_not_run_on_is_rejected()
    {
        var cloudEvent = Events.OperationConfirmed("PA01", "PA01-100008", "0010", "PA01-CNC2", 1m, "H87", machine: (10m, "MIN"), time: PlantCalendar.Now.AddMinutes(-5));
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/data/workCenter", "operation.work-center-mismatch");
    }

    [Fact]
    public async Task yield_of_an_item_the_order_does_not_make_is_rejected()
    {
        var cloudEvent = Events.YieldReported("PA01", "PA01-100008", "FG-1000", 1m, "H87", PlantCalendar.Now.AddMinutes(-5));
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/data/item", "order.item-mismatch");
    }

    [Fact]
    public async Task an_event_in_a_closed_period_is_rejected()
    {
        // DemoData closes the months before the previous one; four months back is closed.
        var cloudEvent = Good();
        cloudEvent["time"] = PlantCalendar.Now.AddMonths(-4).ToString("O");
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/time", "period.closed");
    }

    [Fact]
    public async Task a_body_over_one_mebibyte_is_rejected()
    {
        // A valid event padded with whitespace past IngestOptions.MaxBodyBytes (1 MiB): only its size is wrong.
        var body = Good().ToJsonString() + new string(' ', 1 << 20);
        await AssertRejectedAsync(() => Host.PostRawAsync(body, Structured), HttpStatusCode.RequestEntityTooLarge, "", "payload.too-large");
    }

    [Fact]
    public async Task a_text_plain_body_is_rejected_as_an_unsupported_media_type() =>
        await AssertRejectedAsync(() => Host.PostRawAsync(Good().ToJsonString(), "text/plain"),
            HttpStatusCode.UnsupportedMediaType, "", "content-type.unsupported");

    [Fact]
    public async Task a_body_without_a_content_type_is_rejected_as_an_unsupported_media_type() =>
        await AssertRejectedAsync(() => Host.PostRawAsync(Good().ToJsonString(), null),
            HttpStatusCode.UnsupportedMediaType, "", "content-type.unsupported");

    [Fact]
    public async Task a_batch_that_is_not_an_array_is_rejected() =>
        await AssertRejectedAsync(() => Host.PostRawAsync(Good().ToJsonString(), "application/cloudevents-batch+json"),
            HttpStatusCode.BadRequest, "", "batch.array-required");

    [Fact]
    public async Task an_empty_batch_is_rejected() =>
        await AssertRejectedAsync(() => Host.PostRawAsync("[]", "application/cloudevents-batch+json"),
            HttpStatusCode.BadRequest, "", "batch.empty");

    [Fact]
    public async Task a_rejected_event_leaves_no_trace_under_its_id()
    {
        var cloudEvent = Good();
        cloudEvent["data"]!["order"] = "PA01-999999";
        await AssertRejectedAsync(() => Host.PostStructuredAsync(cloudEvent), HttpStatusCode.UnprocessableEntity, "/data/order", "order.unknown");
        Assert.Equal(0, await Recorded.TracesOfAsync(Host.Store, cloudEvent["source"]!.GetValue<string>(), cloudEvent["id"]!.GetValue<string>()));
    }

    private async Task AssertRejectedAsync(Func<Task<HttpResponseMessage>> send, HttpStatusCode status, string field, string rule)
    {
        var before = await Host.SettledSnapshotAsync();
        using var response = await send();
        await Problems.AssertAsync(response, status, field, rule);
        before.AssertUnchanged(await Tables.SnapshotAsync(Host.Store));
    }
}

public sealed class RejectionOnSqlite(SqliteHost fixture) : RejectionContract<SqliteHost>(fixture);

public sealed class RejectionOnPostgres(PostgresHost fixture) : RejectionContract<PostgresHost>(fixture);
