using ControlTower.Core.Errors;

namespace ControlTower.Core.Trust.Learning;

/// <summary>Stable codes of the trust models and their evaluation.</summary>
public static class TrustLearningErrorCodes
{
    /// <summary>Stored model bytes could not be read back (wrong format, version or feature configuration); also a stored model's <c>loadError</c>.</summary>
    [ErrorCode(ErrorKind.Validation, ErrorSurface.Report)]
    public const string ModelInvalid = "trust.model_invalid";

    /// <summary><c>controltower trust evaluate</c> found bad input lines; each is printed with its file and line number.</summary>
    [ErrorCode(ErrorKind.Validation, ErrorSurface.Cli)]
    public const string EvaluateInputInvalid = "trust.evaluate_input_invalid";
}

/// <summary>A trust model that cannot be loaded or used.</summary>
public sealed class TrustModelException(string message, Exception? innerException = null)
    : ControlTowerException(ErrorKind.Validation, TrustLearningErrorCodes.ModelInvalid, message, innerException);
