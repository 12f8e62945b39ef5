"""Scenario texts the terminal and the window both run: every step kind, and the Node peer's."""

from __future__ import annotations

from pathlib import Path

#: The example scenarios shipped with the project.
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: Every kind of step, against the python demo server.
EVERY_STEP_KIND = """\
name: every step kind
variables: {room: general}
admin: {}
clients:
  alice: {namespace: /chat, query: {user: alice}}
  bob: {namespaces: [/chat, /], query: {user: bob}, transports: [polling, websocket]}
steps:
  - connect: [alice, bob]
  - emit: {client: bob, event: join, args: ["{{room}}"], ack: {within: 5, expect: [{ok: true}]}}
  - emit:
      client: alice
      event: join
      args: ["{{room}}"]
      ack: {within: 5, expect: [{ok: true, room: "{{room}}"}], capture: {rooms: "0.rooms"}}
  - expect:
      client: bob
      event: user_joined
      within: 5
      args: [{user: alice, room: "{{room}}"}]
      capture: {who: "0.user"}
  - admin_expect: {socket_of: alice, in_room: "{{room}}", within: 10}
  - admin_expect: {namespace: /chat, room: "{{room}}", members: 2, within: 10}
  - admin_expect: {namespace: /chat, sockets: 2, rooms: {min: 2}, servers: 1, healthy: true}
  - emit: {client: bob, namespace: /, event: whoami, ack: {within: 5, expect: [{user: bob}]}}
  - wait: 0.1
  - repeat:
      times: 2
      steps:
        - emit: {client: bob, namespace: /, event: ping, args: ["{{who}}"],
                 ack: {expect: [{pong: "{{who}}"}]}}
  - expect: {client: bob, event: user_joined, within: 0.3, negate: true}
  - disconnect: alice
  - admin_expect: {socket_of: alice, connected: false, within: 10}
  - expect_disconnect: {client: bob, within: 0.3, negate: true}
"""

#: The same kinds of steps against tests/peers/admin_server.js.
NODE_SCENARIO = """\
name: node peer
admin: {}
clients:
  ann: {namespace: /chat}
  ben: {namespace: /chat}
steps:
  - connect: [ann, ben]
  - emit: {client: ann, event: join, args: [blue], ack: {within: 5, expect: [true]}}
  - emit: {client: ben, event: join, args: [blue], ack: {within: 5, expect: [true]}}
  - admin_expect: {socket_of: ann, in_room: blue, within: 10}
  - admin_expect: {namespace: /chat, room: blue, members: 2, sockets: 2, within: 10}
  - emit:
      client: ann
      event: broadcast
      args: [blue, news, {n: 1}]
      ack: {within: 5, expect: [true]}
  - expect: {client: ben, event: news, within: 5, args: [{n: 1}], capture: {n: "0.n"}}
  - emit:
      client: ben
      event: echo
      args: ["{{n}}", text]
      ack: {within: 5, expect: [{$type: number}, {$regex: "^te"}], capture: {echoed: "1"}}
  - expect: {client: ann, event: news, within: 5, args: [{n: 1, extra: {$absent: true}}]}
  - expect: {client: ann, event: news, within: 0.3, negate: true}
  - disconnect: ben
  - admin_expect: {socket_of: ben, connected: false, within: 10}
"""
