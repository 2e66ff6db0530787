// Supervisor, FlowRunner, control sockets (issue 6).
