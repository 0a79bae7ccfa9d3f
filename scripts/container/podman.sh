# Sourced by the container scripts: how podman is run on this kind of machine.
# - runc: crun cannot set up cgroups here.
# - explicit ulimits: the defaults podman asks for (taken from its own limits) are refused by the
#   runtime here ("error setting rlimit"); these are within what the host allows.
# Override with PODMAN_RUNTIME and PODMAN_ULIMITS ("" for podman's defaults).
PODMAN=(podman --runtime "${PODMAN_RUNTIME:-runc}")
nofile=$(ulimit -Hn)
[[ "$nofile" == unlimited || "$nofile" -gt 65536 ]] && nofile=65536
nproc=$(ulimit -Hu)
[[ "$nproc" == unlimited || "$nproc" -gt 32768 ]] && nproc=32768
read -r -a ULIMITS <<<"${PODMAN_ULIMITS-"--ulimit nofile=$nofile:$nofile --ulimit nproc=$nproc:$nproc"}"
unset nofile nproc
