namespace Gym.NativeFixup;

/// <summary>
/// The file is not an ELF image this tool understands, or it is not laid out as expected.
/// The patcher refuses rather than guess: a wrong byte in a shared library crashes at load time.
/// </summary>
public sealed class ElfFormatException : Exception
{
    /// <summary>Creates the exception with a message saying what was unexpected.</summary>
    public ElfFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ElfFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public ElfFormatException()
        : base("Unexpected ELF image.")
    {
    }
}
