using Microsoft.Extensions.Time.Testing;
using Takt.Server;
using Takt.Testing;

namespace Takt.Api.Tests;

/// <summary>
/// A server whose access clock (credentials, tokens, idempotency keys, audit) is a FakeTimeProvider that starts
/// now and moves only when a test advances it: expiry is tested without waiting. Business time stays real.
/// </summary>
public abstract class FakeClockHost(string engine) : HostFixture(engine)
{
    public FakeTimeProvider Clock { get; } = new(TimeProvider.System.GetUtcNow());

    protected override void Configure(ServerSettings settings) => settings.Access.Clock = Clock;
}

public sealed class FakeClockSqliteHost() : FakeClockHost("sqlite");

public sealed class FakeClockPostgresHost() : FakeClockHost("postgres");
