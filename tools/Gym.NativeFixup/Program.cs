using Gym.NativeFixup;

// Usage: Gym.NativeFixup [--mode auto|always] [--host-libstdcxx PATH] FILE...
// Run by build/TorchBackend.props after build and publish over the output's copies of libLibTorchSharp.so.
var mode = FixupMode.Auto;
string? hostPath = null;
var files = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--mode" when i + 1 < args.Length && Enum.TryParse<FixupMode>(args[i + 1], ignoreCase: true, out var parsed):
            mode = parsed;
            i++;
            break;
        case "--host-libstdcxx" when i + 1 < args.Length:
            hostPath = args[++i];
            break;
        case "-h" or "--help":
            Console.WriteLine("usage: Gym.NativeFixup [--mode auto|always] [--host-libstdcxx PATH] FILE...");
            Console.WriteLine("Weakens the GLIBCXX_3.4.32 requirement of TorchSharp's native shim when the host's libstdc++ lacks it.");
            return 0;
        default:
            if (args[i].StartsWith('-'))
            {
                await Console.Error.WriteLineAsync($"gym-native-fixup: error {FixupRunner.ErrorCode}: unknown or incomplete option '{args[i]}' (--mode takes auto or always)");
                return 2;
            }

            files.Add(args[i]);
            break;
    }
}

return new FixupRunner(Console.Out, Console.Error, () => HostLibStdCxx.Read(hostPath)).Run(files, mode);
