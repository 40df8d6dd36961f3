using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Takt.Integration.Gateway;

namespace Takt.Integration.Access;

/// <summary>How an endpoint's plant restriction applies to a client that may act for some plants only.</summary>
public enum PlantBinding
{
    /// <summary>Anonymous endpoints: no client, no plant.</summary>
    None,

    /// <summary>The endpoint spans every plant (balances, dead letters, clients, audit): restricted clients are refused.</summary>
    AllPlants,

    /// <summary>A <c>plant</c> query parameter selects the plant: it must be one of the client's; when omitted, the client's only plant is filled in.</summary>
    Query,

    /// <summary>The resource read belongs to a plant (an order): the client must be allowed that plant.</summary>
    Result,

    /// <summary>Each event's <c>data.plant</c> is checked by the event gateway itself.</summary>
    EventData,

    /// <summary>
    /// The resource belongs to the client that made it (webhook subscriptions): a restricted client manages its own,
    /// within its plants, and the handler checks it; unrestricted clients manage all.
    /// </summary>
    Owned,

    /// <summary>
    /// The request names its plant in its body, or acts on a resource of one plant (a flow instance, a task): the
    /// handler checks that plant against the client's (403 <c>client.plant-forbidden</c>) before it changes anything.
    /// </summary>
    Handler,
}

/// <summary>
/// Who may call an endpoint: the scope it needs (null: anonymous), how plant restrictions apply, and whether a
/// POST needs an <c>Idempotency-Key</c>; for <see cref="PlantBinding.Result"/>, the plant of the value the
/// handler returns. Attached to each endpoint as metadata.
/// </summary>
public sealed record EndpointAccess(string? Scope, PlantBinding Plants, bool IdempotencyKey = false, Func<object, string?>? PlantOfResult = null)
{
    public static EndpointAccess Anonymous { get; } = new(null, PlantBinding.None);

    public const string AllPlantsPolicy = "plants:all";

    public static string PolicyOf(string scope) => "scope:" + scope;
}

public static class EndpointAccessConventions
{
    /// <summary>
    /// Gives every endpoint of <paramref name="group"/> its access from <paramref name="table"/> (by endpoint
    /// name): an authorization policy per scope, the all-plants policy, the plant guard. An endpoint missing
    /// from the table fails the start of the server: nothing is exposed by accident.
    /// </summary>
    public static RouteGroupBuilder RequireAccess(this RouteGroupBuilder group, IReadOnlyDictionary<string, EndpointAccess> table)
    {
        ((IEndpointConventionBuilder)group).Finally(endpoint =>
        {
            var name = endpoint.Metadata.OfType<IEndpointNameMetadata>().LastOrDefault()?.EndpointName;
            if (name is null || !table.TryGetValue(name, out var access))
                throw new InvalidOperationException($"Endpoint '{endpoint.DisplayName}' ({name ?? "no name"}) declares no access; add it to the API access table.");
            endpoint.Metadata.Add(access);
            if (access.Scope is null)
            {
                endpoint.Metadata.Add(new AllowAnonymousAttribute());
                return;
            }

            endpoint.Metadata.Add(new AuthorizeAttribute(EndpointAccess.PolicyOf(access.Scope)));
            if (access.Plants == PlantBinding.Query && !endpoint.Metadata.OfType<MethodInfo>().Any(m => PlantGuard.PlantParameter(m) >= 0))
                throw new InvalidOperationException($"Endpoint '{name}' is bound to a plant query parameter but its handler has no 'string? plant' parameter.");
            if (access.Plants == PlantBinding.Result && access.PlantOfResult is null)
                throw new InvalidOperationException($"Endpoint '{name}' is bound to its result's plant but names no PlantOfResult.");
            if (access.Plants == PlantBinding.AllPlants)
                endpoint.Metadata.Add(new AuthorizeAttribute(EndpointAccess.AllPlantsPolicy));
        });
        group.AddEndpointFilterFactory(PlantGuard.Create);
        return group;
    }
}

/// <summary>
/// Applies <see cref="PlantBinding.Query"/> and <see cref="PlantBinding.Result"/> for clients restricted to some
/// plants; a refusal is a 403 <c>client.plant-forbidden</c> (or <c>client.plant-required</c>) and reads nothing.
/// </summary>
internal static class PlantGuard
{
    public static int PlantParameter(MethodInfo method) =>
        Array.FindIndex(method.GetParameters(), p => p.Name == "plant" && p.ParameterType == typeof(string));

    public static EndpointFilterDelegate Create(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var plantIndex = PlantParameter(context.MethodInfo);
        return invocation =>
        {
            // The endpoint's access is read per request: filter factories do not see the endpoint's metadata.
            var access = invocation.HttpContext.GetEndpoint()?.Metadata.GetMetadata<EndpointAccess>();
            return access switch
            {
                { Scope: not null, Plants: PlantBinding.Query } when plantIndex >= 0 => GuardQueryAsync(invocation, plantIndex, next),
                { Scope: not null, Plants: PlantBinding.Result, PlantOfResult: { } plantOf } => GuardResultAsync(invocation, plantOf, next),
                _ => next(invocation),
            };
        };
    }

    private static ValueTask<object?> GuardQueryAsync(EndpointFilterInvocationContext invocation, int index, EndpointFilterDelegate next)
    {
        var decision = AccessDecision.Of(invocation.HttpContext);
        var client = AccessDecision.ClientOf(invocation.HttpContext);
        var plant = invocation.Arguments[index] as string;
        if (string.IsNullOrEmpty(plant) && !client.AllPlantsAllowed)
        {
            if (client.Plants.Count != 1)
            {
                decision.Deny("client.plant-required");
                return Refuse(new Contracts.Violation("/query/plant", "client.plant-required",
                    $"Client '{client.ClientId}' may read plants {string.Join(", ", client.Plants)} only: name one with ?plant=."));
            }

            plant = client.Plants[0];
            invocation.Arguments[index] = plant;
        }

        decision.Plants = plant;
        if (plant is not null && !client.MayAccessPlant(plant))
        {
            decision.Deny("client.plant-forbidden");
            return Refuse(AccessProblems.PlantForbidden("/query/plant", plant, client));
        }

        return next(invocation);
    }

    private static async ValueTask<object?> GuardResultAsync(EndpointFilterInvocationContext invocation, Func<object, string?> plantOf, EndpointFilterDelegate next)
    {
        var result = await next(invocation);
        var value = result is IValueHttpResult { Value: { } v } ? v : null;
        if (value is null || plantOf(value) is not { } plant)
            return result;
        var decision = AccessDecision.Of(invocation.HttpContext);
        var client = AccessDecision.ClientOf(invocation.HttpContext);
        decision.Plants = plant;
        if (client.MayAccessPlant(plant))
            return result;
        decision.Deny("client.plant-forbidden");
        return await Refuse(AccessProblems.PlantForbidden("", plant, client));
    }

    private static ValueTask<object?> Refuse(Contracts.Violation violation) =>
        ValueTask.FromResult<object?>(ReceiveEvents.Respond(AccessProblems.Forbidden(violation)));
}
