internal import CYAML

/// The libyaml this build parses with, for `dotslash version`.
public enum YAMLLibrary {
    public static var version: String { String(cString: yaml_get_version_string()) }
}
