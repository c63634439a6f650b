mig::mig! {
    subsystem demo 100;
    #include <mach/std_types.defs>
    routine who(server: mach_port_t; ServerAuditToken token: int);
}

fn main() {}
