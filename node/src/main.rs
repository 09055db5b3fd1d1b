fn main() {
    std::process::exit(raftconnect::cli::main());
}
