using System.Text;
using FluentAssertions;
using Gym.Server.Protocol;
using Xunit;

namespace Gym.Server.Tests.Environments;

/// <summary>
/// Seeded fuzzing of the request parser: random JSON, mutated requests and random bytes give a request or a
/// <see cref="ServerErrorException"/> (a 400 naming the field), never another exception and never a hang.
/// </summary>
public sealed class RequestParserFuzzTests
{
    private const int Cases = 3000;
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(10);

    private static readonly string[] Keys = ["type", "id", "seed", "attempt", "action", "text", "token_ids", "logprobs", "env_id", "params", "x", ""];

    private static readonly string[] Valid =
    [
        "{\"type\": \"step\", \"id\": 1, \"action\": {\"text\": \"hi\", \"token_ids\": [5, 6], \"logprobs\": [-1, -0.5]}}",
        "{\"type\": \"reset\", \"id\": \"a\", \"seed\": 3, \"attempt\": 1}",
        "{\"env_id\": \"tool-use/arithmetic-v0\", \"params\": {\"difficulty\": \"easy\"}}",
        "{\"action\": \"<answer>4</answer>\"}",
        "{\"seed\": 18446744073709551615}",
    ];

    private const string Indicators = "{}[]\",:\\0-e.\u0000 ";

    private static readonly Func<ReadOnlyMemory<byte>, object>[] Parsers =
    [
        body => RequestParser.ParseCreateSession(body),
        body => RequestParser.ParseReset(body),
        body => RequestParser.ParseStep(body),
        body => RequestParser.ParseMessage(body),
    ];

    [Fact]
    public async Task Random_bodies_give_a_request_or_a_request_error()
    {
        var random = new Random(20251206);
        for (var i = 0; i < Cases; i++)
        {
            var body = (i % 3) switch
            {
                0 => Encoding.UTF8.GetBytes(RandomJson(random, depth: 0)),
                1 => Mutate(random),
                _ => RandomBytes(random),
            };
            foreach (var parse in Parsers)
            {
                var outcome = Task.Run(() =>
                {
                    try
                    {
                        parse(body);
                        return null;
                    }
                    catch (ServerErrorException)
                    {
                        return null;
                    }
                    catch (Exception ex)
                    {
                        return ex;
                    }
                });
                Exception? unexpected;
                try
                {
                    unexpected = await outcome.WaitAsync(PerCase);
                }
                catch (TimeoutException)
                {
                    throw new Xunit.Sdk.XunitException($"case {i} took more than {PerCase.TotalSeconds} s: {Shown(body)}");
                }

                if (unexpected is not null)
                {
                    throw new Xunit.Sdk.XunitException($"case {i}: {unexpected.GetType().Name}: {unexpected.Message} for {Shown(body)}");
                }
            }
        }
    }

    [Fact]
    public void Text_that_is_not_unicode_is_invalid_json_not_an_exception()
    {
        // Found by the fuzzer: System.Text.Json checks UTF-8 and escapes only when a string is read, and threw
        // InvalidOperationException out of the parser.
        byte[] badName = [.. Encoding.UTF8.GetBytes("{\"env_id\": \"x\", \"params\": {\"diff"), 0xFF, .. Encoding.UTF8.GetBytes("\": \"easy\"}}")];
        var loneEscape = Encoding.UTF8.GetBytes("{\"type\": \"step\", \"action\": \"a\\ud800\"}");

        foreach (var body in new[] { badName, loneEscape })
        {
            var parse = () => RequestParser.ParseMessage(body);
            var create = () => RequestParser.ParseCreateSession(body);

            parse.Should().Throw<ServerErrorException>().Which.Error.Code.Should().Be("invalid_json");
            create.Should().Throw<ServerErrorException>().Which.Error.Code.Should().Be("invalid_json");
        }
    }

    private static string Shown(byte[] body) => Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 300)));

    private static string RandomJson(Random random, int depth)
    {
        var pick = depth > 6 ? random.Next(6) : random.Next(8);
        return pick switch
        {
            0 => "null",
            1 => random.Next(2) == 0 ? "true" : "false",
            2 => random.Next(4) switch
            {
                0 => random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                1 => "-1e400",
                2 => "99999999999999999999999999",
                _ => "0.5",
            },
            3 => "\"" + Keys[random.Next(Keys.Length)] + (random.Next(4) == 0 ? "\\ud800" : "") + "\"",
            4 => "\"" + new string((char)random.Next('a', 'z'), random.Next(0, 50)) + "\"",
            5 => random.Next(20) == 0 ? new string('[', 10_000) + new string(']', 10_000) : "[]",
            6 => "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 5)).Select(_ => RandomJson(random, depth + 1))) + "]",
            _ => "{" + string.Join(",", Enumerable.Range(0, random.Next(0, 5)).Select(_ => $"\"{Keys[random.Next(Keys.Length)]}\": {RandomJson(random, depth + 1)}")) + "}",
        };
    }

    private static byte[] Mutate(Random random)
    {
        var bytes = Encoding.UTF8.GetBytes(Valid[random.Next(Valid.Length)]).ToList();
        for (var e = random.Next(1, 6); e > 0; e--)
        {
            var at = random.Next(bytes.Count + 1);
            switch (random.Next(3))
            {
                case 0:
                    bytes.Insert(at, (byte)Indicators[random.Next(Indicators.Length)]);
                    break;
                case 1 when bytes.Count > 0:
                    bytes.RemoveAt(Math.Min(at, bytes.Count - 1));
                    break;
                default:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
            }
        }

        return [.. bytes];
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 300)];
        random.NextBytes(bytes);
        return bytes;
    }
}
