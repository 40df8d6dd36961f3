using Xunit;

namespace Takt.Contracts.Tests;

public sealed class Uuid7Tests
{
    [Fact]
    public void a_uuid7_carries_version_7_the_rfc_variant_and_its_millisecond()
    {
        var time = new DateTimeOffset(2026, 11, 26, 10, 15, 30, 123, TimeSpan.Zero);
        var id = Uuid7.New(time);
        var text = id.ToString();

        Assert.Equal(7, id.Version);
        Assert.Equal('7', text[14]);
        Assert.Contains(text[19], "89ab"); // variant 10xx
        var bytes = id.ToByteArray(bigEndian: true);
        var milliseconds = ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24) | ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5];
        Assert.Equal(time.ToUnixTimeMilliseconds(), milliseconds);
    }

    [Fact]
    public void ids_of_one_millisecond_differ_and_later_milliseconds_sort_after()
    {
        var time = new DateTimeOffset(2026, 11, 26, 10, 15, 30, TimeSpan.Zero);
        var same = Enumerable.Range(0, 100_000).Select(_ => Uuid7.New(time)).ToHashSet();
        Assert.Equal(100_000, same.Count);

        var earlier = Uuid7.New(time).ToString();
        var later = Uuid7.New(time.AddMilliseconds(1)).ToString();
        Assert.True(string.CompareOrdinal(earlier, later) < 0, $"{earlier} should sort before {later}");
    }

    [Fact]
    public void uuid7_has_the_layout_of_the_runtime_version_7()
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
        var ours = Uuid7.New(time).ToString();
        var runtime = Guid.CreateVersion7(time).ToString();
        // Same timestamp digits and version nibble; random bits differ.
        Assert.Equal(runtime[..15], ours[..15]);
    }
}
