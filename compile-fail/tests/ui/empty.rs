mig::mig! {}

fn main() {}
