namespace Gym.NativeFixup;

/// <summary>When the fix-up patches.</summary>
public enum FixupMode
{
    /// <summary>Only when the host's libstdc++ lacks <see cref="WeakVersionPatcher.TargetVersion"/>.</summary>
    Auto,

    /// <summary>
    /// Whatever the host has: for an output built on a newer machine that will run on Debian 12.
    /// (The patched shim loads everywhere: the weak requirement is simply met where the version exists.)
    /// </summary>
    Always,
}

/// <summary>
/// The build step: decides whether this host needs the fix-up and patches the given copies of the
/// shim, reporting one line per file. Messages follow MSBuild's canonical format so that a refusal
/// shows up in the build as an error on the file.
/// </summary>
public sealed class FixupRunner
{
    /// <summary>The error code of every refusal.</summary>
    public const string ErrorCode = "GYMFIX001";

    private const string Prefix = "gym-native-fixup: ";

    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly Func<HostLibrary?> _host;

    /// <summary>Creates a runner.</summary>
    /// <param name="output">Where progress lines go.</param>
    /// <param name="error">Where refusals go.</param>
    /// <param name="host">Reads the host's libstdc++ (null when there is none); only called in <see cref="FixupMode.Auto"/>.</param>
    public FixupRunner(TextWriter output, TextWriter error, Func<HostLibrary?> host)
    {
        _output = output;
        _error = error;
        _host = host;
    }

    /// <summary>Runs the fix-up over <paramref name="files"/>; absent files are skipped.</summary>
    /// <returns>0 when every file is fine (patched, already patched, not needed or absent), 1 when any was refused.</returns>
    public int Run(IReadOnlyList<string> files, FixupMode mode)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (mode == FixupMode.Auto)
        {
            HostLibrary? host;
            try
            {
                host = _host();
            }
            catch (Exception e) when (e is ElfFormatException or IOException or UnauthorizedAccessException)
            {
                // Not knowing is not a reason to touch the shim, nor to fail the build.
                _output.WriteLine($"{Prefix}could not read the host's libstdc++ ({e.Message}); nothing to do");
                return 0;
            }

            if (host is null)
            {
                _output.WriteLine($"{Prefix}no libstdc++ on this host; nothing to do");
                return 0;
            }

            if (host.Provides(WeakVersionPatcher.TargetVersion))
            {
                _output.WriteLine($"{Prefix}{host.Path} provides {WeakVersionPatcher.TargetVersion}; nothing to do");
                return 0;
            }

            _output.WriteLine($"{Prefix}{host.Path} stops at {host.NewestGlibcxx ?? "no GLIBCXX version"}, lacks {WeakVersionPatcher.TargetVersion}: weakening that requirement");
        }

        var status = 0;
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                _output.WriteLine($"{Prefix}{file}: absent, skipped");
                continue;
            }

            try
            {
                var plan = WeakVersionPatcher.PatchFile(file);
                _output.WriteLine(plan.Outcome switch
                {
                    PatchOutcome.Patched => $"{Prefix}{file}: patched ({WeakVersionPatcher.TargetVersion} of {plan.Library} now weak; weak and unversioned: {string.Join(", ", plan.Symbols)})",
                    PatchOutcome.AlreadyPatched => $"{Prefix}{file}: already patched",
                    _ => $"{Prefix}{file}: does not require {WeakVersionPatcher.TargetVersion}; left as it is",
                });
            }
            catch (Exception e) when (e is ElfFormatException or IOException or UnauthorizedAccessException)
            {
                _error.WriteLine($"{file}: error {ErrorCode}: cannot make TorchSharp load on this host's libstdc++: {e.Message}. " +
                    "The file is unchanged. See docs/learning.md, \"Native runtime\"; -p:GymNativeFixup=off skips this step.");
                status = 1;
            }
        }

        return status;
    }
}
