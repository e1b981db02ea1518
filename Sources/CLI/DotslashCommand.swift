public enum DotslashCommand {
    public static func main() -> Never { fatalError("todo") }
}
