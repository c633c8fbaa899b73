import Foundation

/// The model directory's `config.json` (CTranslate2 or Hugging Face): a JSON object whose few
/// fields loading reads. Parsed from bytes so the fuzz harness in Fuzz/ reaches the same code.
struct ModelConfig {
    let object: [String: Any]
    let path: String

    /// `path` only names the file in errors.
    init(data: Data, path: String) throws {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw ModelsError.invalidModel(path: path, reason: "unreadable JSON: \(error.localizedDescription)")
        }
        guard let object = parsed as? [String: Any] else {
            throw ModelsError.invalidModel(path: path, reason: "not a JSON object")
        }
        self.object = object
        self.path = path
    }

    /// A positive integer field (a head count of a Hugging Face config).
    func positiveInt(_ key: String) throws -> Int {
        guard let v = (object[key] as? NSNumber)?.intValue, v > 0 else {
            throw ModelsError.invalidModel(path: path, reason: "'\(key)' (a positive integer) is missing")
        }
        return v
    }

    /// CTranslate2's `suppress_ids_begin`: tokens suppressed at the first decoding step.
    var suppressIdsBegin: [Int]? { object["suppress_ids_begin"] as? [Int] }
}
