using System.Runtime.CompilerServices;

// The tests drive the streaming HotpotQA reader with a tiny buffer so every refill path runs.
[assembly: InternalsVisibleTo("Gym.Environments.SearchQa.Tests")]
