using System.Globalization;
using Gym.Core.Policies;
using Gym.Core.Registry;

namespace Gym.Cli.Commands;

/// <summary>Builds the policy named by <c>--policy</c>.</summary>
internal static class PolicyFactory
{
    public const string Help = "The acting policy: 'expert' or 'expert:RATE', the environment's scripted expert making a deliberate mistake with probability RATE (0-1) per turn.";

    public static IPolicy Create(string text, EnvironmentDescriptor descriptor, IReadOnlyDictionary<string, string> parameters, long seed)
    {
        var spec = PolicySpec.Parse(text);
        switch (spec.Kind)
        {
            case "expert":
                var rate = 0.0;
                if (spec.Argument is not null
                    && (!double.TryParse(spec.Argument, NumberStyles.Float, CultureInfo.InvariantCulture, out rate) || rate is < 0 or > 1 || double.IsNaN(rate)))
                {
                    throw new CliUsageException($"--policy expert:RATE needs RATE between 0 and 1 (got '{spec.Argument}')");
                }

                if (descriptor.CreateExpert is null)
                {
                    throw new CliUsageException($"{descriptor.Id} has no expert scripted policy");
                }

                var settings = new ExpertSettings(rate, seed);
                var create = descriptor.CreateExpert;
                // A curriculum changes parameters per episode; the router builds an expert for each set.
                return new ParameterRoutedPolicy(
                    create(new EnvironmentParameters(parameters), settings),
                    episodeParameters => create(new EnvironmentParameters(episodeParameters), settings));
            default:
                throw new CliUsageException($"unknown policy '{spec.Kind}' (available: expert, expert:RATE)");
        }
    }
}
