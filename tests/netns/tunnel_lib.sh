# Topology for the tunnel scenarios: namespaces A and B joined by a veth underlay
# (10.80.0.1/24 <-> 10.80.0.2/24, and fd80::1/64 <-> fd80::2/64); each runs one tunnel end.
tk_require ping nc
tk_netns NS_A
tk_netns NS_B
ip -n "$NS_A" link add tkua type veth peer name tkub netns "$NS_B"
ip -n "$NS_A" addr add 10.80.0.1/24 dev tkua
ip -n "$NS_B" addr add 10.80.0.2/24 dev tkub
for side in "$NS_A tkua fd80::1" "$NS_B tkub fd80::2"; do
  set -- $side
  ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=0"
  ip -n "$1" addr add "$3/64" dev "$2" nodad
  ip -n "$1" link set "$2" up
done

# overlay_ping NS DST: one ping through the tunnel; used to wait for it to come up.
overlay_ping() { ip netns exec "$1" ping -n -c 1 -W 1 "$2" >/dev/null 2>&1; }

# wait_tunnel NS DST [SECONDS]: until a ping through the tunnel gets its reply.
wait_tunnel() { tk_wait_for "${3:-15}" overlay_ping "$1" "$2"; }
