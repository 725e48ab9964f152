using System.Buffers.Binary;
using EdgeIoT.Core.Config;
using EdgeIoT.Core.Crypto;
using EdgeIoT.Core.Net;

namespace EdgeIoT.Core.Tests.Net;

public sealed class PeerFrameTests : IDisposable
{
    private const int FrameBytesMax = 64 * 1024;
    private readonly SigningKey[] _identities = [.. Enumerable.Range(0, 4).Select(_ => SigningKey.Generate())];
    private readonly ZoneInfo _zone;
    private readonly PeerMacKeys[] _keys;

    public PeerFrameTests()
    {
        _zone = Zone("z1", _identities);
        _keys = [.. Enumerable.Range(0, _identities.Length).Select(i => PeerMacKeys.Derive(_zone, i, _identities[i]))];
    }

    public void Dispose()
    {
        foreach (var k in _keys) k.Dispose();
        foreach (var k in _identities) k.Dispose();
    }

    private static ZoneInfo Zone(string id, SigningKey[] identities) => new()
    {
        Id = id,
        FaultyGateways = 1,
        Gateways = [.. identities.Select((k, i) => new GatewayInfo { Id = $"g{i}", Index = i, PublicKey = KeyText.Format(k.PublicKey), PeerPort = 7000 + i })],
    };

    private byte[] Frame(int from, int to, byte[] payload)
    {
        using var hmac = _keys[from].CreateHmac(to);
        var frame = new byte[PeerFrame.FrameSize(payload.Length)];
        PeerFrame.Encode(hmac, from, to, payload, frame);
        return frame;
    }

    private PeerFrameDecoder Decoder(int self) => new(_keys[self], FrameBytesMax);

    private static byte[] Payload(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void A_frame_decodes_to_its_sender_and_payload_at_its_recipient()
    {
        var payload = Payload(1000, seed: 1);
        var frame = Frame(from: 2, to: 0, payload);
        Assert.Equal(PeerFrame.HeaderSize + payload.Length, frame.Length);
        Assert.Equal((uint)(frame.Length - 4), BinaryPrimitives.ReadUInt32BigEndian(frame));

        using var decoder = Decoder(self: 0);
        Assert.Equal(PeerFrameStatus.Frame, decoder.TryConsume(frame, out var info));
        Assert.Equal(2, info.From);
        Assert.Equal(frame.Length, info.FrameLength);
        Assert.Equal(payload, frame.AsSpan(info.PayloadOffset, info.PayloadLength).ToArray());
        Assert.Equal(2, decoder.Sender);
    }

    [Fact]
    public void The_frame_layout_and_MAC_match_the_specification_byte_for_byte()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var frame = PeerFrame.Encode(key, from: 1, to: 3, "hi"u8);
        Assert.Equal(new byte[] { 0, 0, 0, 2 + 2 + 32 + 2, 0, 1, 0, 3 }, frame[..8]);
        var expectedMac = System.Security.Cryptography.HMACSHA256.HashData(key, new byte[] { 0, 1, 0, 3, (byte)'h', (byte)'i' });
        Assert.Equal(expectedMac, frame[8..40]);
        Assert.Equal("hi"u8.ToArray(), frame[40..]);
    }

    [Fact]
    public void An_empty_payload_is_a_valid_frame()
    {
        using var decoder = Decoder(self: 1);
        Assert.Equal(PeerFrameStatus.Frame, decoder.TryConsume(Frame(0, 1, []), out var info));
        Assert.Equal(0, info.PayloadLength);
        Assert.Equal(PeerFrame.HeaderSize, info.FrameLength);
    }

    [Fact]
    public void Frames_split_at_every_possible_boundary_decode_in_order()
    {
        var payloads = new[] { Payload(0, 1), Payload(1, 2), Payload(300, 3), Payload(5000, 4), Payload(39, 5) };
        var stream = payloads.SelectMany(p => Frame(3, 1, p)).ToArray();
        foreach (var chunkBytes in new[] { 1, 2, 3, 7, 39, 40, 41, 1000, stream.Length })
        {
            using var decoder = Decoder(self: 1);
            var received = Feed(decoder, stream, chunkBytes);
            Assert.Equal(payloads, received);
        }
    }

    [Fact]
    public void Frames_split_at_random_boundaries_decode_in_order()
    {
        var random = new Random(42);
        var payloads = Enumerable.Range(0, 200).Select(i => Payload(random.Next(0, 3000), i)).ToArray();
        var stream = payloads.SelectMany(p => Frame(2, 3, p)).ToArray();
        for (var round = 0; round < 20; round++)
        {
            using var decoder = Decoder(self: 3);
            Assert.Equal(payloads, Feed(decoder, stream, chunkBytes: 0, random));
        }
    }

    /// <summary>Drives the decoder the way a receive loop does: append what arrived, consume whole frames, keep the rest.</summary>
    private static List<byte[]> Feed(PeerFrameDecoder decoder, byte[] stream, int chunkBytes, Random? random = null)
    {
        var received = new List<byte[]>();
        var pending = new List<byte>();
        for (var offset = 0; offset < stream.Length;)
        {
            var take = Math.Min(stream.Length - offset, random?.Next(1, 4000) ?? chunkBytes);
            pending.AddRange(stream.AsSpan(offset, take));
            offset += take;
            while (true)
            {
                var buffer = pending.ToArray();
                var status = decoder.TryConsume(buffer, out var info);
                if (status == PeerFrameStatus.NeedMoreData)
                {
                    Assert.True(decoder.BytesNeeded > buffer.Length, "NeedMoreData must ask for more than the buffer holds");
                    break;
                }
                Assert.Equal(PeerFrameStatus.Frame, status);
                received.Add(buffer.AsSpan(info.PayloadOffset, info.PayloadLength).ToArray());
                pending.RemoveRange(0, info.FrameLength);
            }
        }
        Assert.Empty(pending);
        return received;
    }

    [Theory]
    [InlineData(8)]      // a bit of the MAC
    [InlineData(39)]     // the MAC's last byte
    [InlineData(40)]     // the payload's first byte
    [InlineData(139)]    // the payload's last byte
    public void A_frame_with_any_MAC_covered_bit_flipped_is_rejected_as_bad_MAC(int position)
    {
        var frame = Frame(1, 0, Payload(100, 7));
        frame[position] ^= 0x01;
        using var decoder = Decoder(self: 0);
        Assert.Equal(PeerFrameStatus.Rejected, decoder.TryConsume(frame, out _));
        Assert.Equal(PeerFrameRejection.BadMac, decoder.Rejection);
        Assert.Equal(1, decoder.ClaimedSender);
        Assert.Equal(-1, decoder.Sender);
    }

    [Fact]
    public void A_frame_claiming_another_sender_fails_its_MAC_because_the_pairwise_key_differs()
    {
        var frame = Frame(1, 0, Payload(50, 8));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), 2);
        using var decoder = Decoder(self: 0);
        Assert.Equal(PeerFrameStatus.Rejected, decoder.TryConsume(frame, out _));
        Assert.Equal(PeerFrameRejection.BadMac, decoder.Rejection);
    }

    [Fact]
    public void A_frame_cannot_be_reflected_back_to_its_sender()
    {
        // Same pairwise key both ways: only from/to under the MAC stop 1->0 from passing as 0->1.
        var frame = Frame(1, 0, Payload(50, 9));
        using (var asIs = Decoder(self: 1))
        {
            Assert.Equal(PeerFrameStatus.Rejected, asIs.TryConsume(frame, out _));
            Assert.Equal(PeerFrameRejection.WrongRecipient, asIs.Rejection);
        }
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), 0);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(6), 1);
        using var swapped = Decoder(self: 1);
        Assert.Equal(PeerFrameStatus.Rejected, swapped.TryConsume(frame, out _));
        Assert.Equal(PeerFrameRejection.BadMac, swapped.Rejection);
    }

    [Fact]
    public void A_frame_for_another_gateway_is_rejected_as_soon_as_its_address_arrives()
    {
        var frame = Frame(1, 2, Payload(10_000, 10));
        using var decoder = Decoder(self: 0);
        Assert.Equal(PeerFrameStatus.Rejected, decoder.TryConsume(frame.AsSpan(0, 8), out _));
        Assert.Equal(PeerFrameRejection.WrongRecipient, decoder.Rejection);
    }

    [Theory]
    [InlineData(4)]      // outside a 4-gateway zone
    [InlineData(65535)]
    [InlineData(0)]      // the recipient itself
    public void A_frame_from_an_unknown_sender_is_rejected(int from)
    {
        var key = new byte[32];
        var frame = PeerFrame.Encode(key, from, to: 0, "x"u8);
        using var decoder = Decoder(self: 0);
        Assert.Equal(PeerFrameStatus.Rejected, decoder.TryConsume(frame, out _));
        Assert.Equal(PeerFrameRejection.UnknownSender, decoder.Rejection);
        Assert.Equal(-1, decoder.ClaimedSender);
    }

    [Theory]
    [InlineData(uint.MaxValue)]
    [InlineData((uint)FrameBytesMax - 3)] // one byte over the maximum with the length field
    public void An_oversized_length_is_rejected_from_the_length_field_alone(uint lengthOfRest)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, lengthOfRest);
        using var decoder = Decoder(self: 0);
        Assert.Equal(PeerFrameStatus.Rejected, decoder.TryConsume(header, out _));
        Assert.Equal(PeerFrameRejection.TooLarge, decoder.Rejection);
    }

    [Fact]
    public void A_frame_of_exactly_the_maximum_size_is_accepted()
    {
        var frame = Frame(2, 0, Payload(FrameBytesMax - PeerFrame.HeaderSize, 11));
        Assert.Equal(FrameBytesMax, frame.Length);
        using var decoder = Decoder(self: 0);
        Assert.Equal(PeerFrameStatus.Frame, decoder.TryConsume(frame, out _));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(35u)]
    public void A_length_too_small_for_the_header_is_rejected(uint lengthOfRest)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, lengthOfRest);
        using var decoder = Decoder(self: 0);
        Assert.Equal(PeerFrameStatus.Rejected, decoder.TryConsume(header, out _));
        Assert.Equal(PeerFrameRejection.LengthTooSmall, decoder.Rejection);
    }

    [Fact]
    public void A_connection_that_authenticated_as_one_gateway_cannot_switch_to_another()
    {
        var first = Frame(1, 0, Payload(10, 12));
        var second = Frame(2, 0, Payload(10, 13));
        using var decoder = Decoder(self: 0);
        Assert.Equal(PeerFrameStatus.Frame, decoder.TryConsume(first, out _));
        Assert.Equal(PeerFrameStatus.Rejected, decoder.TryConsume(second, out _));
        Assert.Equal(PeerFrameRejection.SenderChanged, decoder.Rejection);
    }

    [Fact]
    public void A_rejection_is_final_even_for_a_valid_frame_afterwards()
    {
        var bad = Frame(1, 0, Payload(10, 14));
        bad[^1] ^= 0xFF;
        using var decoder = Decoder(self: 0);
        Assert.Equal(PeerFrameStatus.Rejected, decoder.TryConsume(bad, out _));
        Assert.Equal(PeerFrameStatus.Rejected, decoder.TryConsume(Frame(1, 0, Payload(10, 15)), out _));
        Assert.Equal(PeerFrameRejection.BadMac, decoder.Rejection);
    }

    [Fact]
    public void Keys_of_one_zone_do_not_authenticate_frames_in_another()
    {
        var otherZone = Zone("z2", _identities);
        using var otherKeys = PeerMacKeys.Derive(otherZone, 1, _identities[1]);
        using var hmac = otherKeys.CreateHmac(0);
        var frame = new byte[PeerFrame.FrameSize(5)];
        PeerFrame.Encode(hmac, 1, 0, "hello"u8, frame);
        using var decoder = Decoder(self: 0);
        Assert.Equal(PeerFrameStatus.Rejected, decoder.TryConsume(frame, out _));
        Assert.Equal(PeerFrameRejection.BadMac, decoder.Rejection);
    }

    [Fact]
    public void Deriving_keys_with_an_identity_the_registry_does_not_list_is_refused()
    {
        using var stranger = SigningKey.Generate();
        Assert.Throws<ArgumentException>(() => PeerMacKeys.Derive(_zone, 0, stranger));
    }

    [Fact]
    public void Random_garbage_never_throws_and_is_never_accepted()
    {
        var random = new Random(2024);
        for (var i = 0; i < 20_000; i++)
        {
            var garbage = new byte[random.Next(0, 200)];
            random.NextBytes(garbage);
            if (i % 2 == 0 && garbage.Length >= PeerFrame.HeaderSize)
            {
                // Half the time, plausible framing so the MAC check is reached rather than the length check.
                BinaryPrimitives.WriteUInt32BigEndian(garbage, (uint)random.Next(PeerFrame.MinLengthOfRest, garbage.Length - PeerFrame.LengthSize + 1));
                BinaryPrimitives.WriteUInt16BigEndian(garbage.AsSpan(4), (ushort)random.Next(1, 4));
                BinaryPrimitives.WriteUInt16BigEndian(garbage.AsSpan(6), 0);
            }
            using var decoder = Decoder(self: 0);
            Assert.NotEqual(PeerFrameStatus.Frame, decoder.TryConsume(garbage, out _));
        }
    }

    [Fact]
    public void Mutated_valid_frames_never_throw_and_are_accepted_only_when_unchanged()
    {
        var random = new Random(77);
        for (var i = 0; i < 5_000; i++)
        {
            var original = Frame(random.Next(1, 4), 0, Payload(random.Next(0, 100), i));
            var mutated = original.ToArray();
            for (var m = random.Next(1, 4); m > 0; m--) mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            var cut = random.Next(0, mutated.Length + 1);
            using var decoder = Decoder(self: 0);
            var status = decoder.TryConsume(mutated.AsSpan(0, cut), out var info);
            if (status == PeerFrameStatus.Frame)
                Assert.Equal(original, mutated[..info.FrameLength]);
        }
    }
}
