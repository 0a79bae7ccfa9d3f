import { Command } from 'ioredis'

/** A Redis client (a connection or a cluster): every command, pipelined or not, goes through `sendCommand`. */
interface CommandSender {
  sendCommand(command: Command, ...rest: never[]): unknown
}

/**
 * Calls `onError` with the command's name each time a command fails: refused while disconnected, timed
 * out, or answered with an error. ioredis has no event for this (its diagnostics channel does not see
 * commands refused while offline, the most common failure), so the client's `sendCommand` is wrapped.
 * A command sent again after a reconnect is counted once. Errors ioredis itself ignores are not counted:
 * its `CLIENT SETINFO` at each connection fails on Redis older than 7.2, and that is no failure.
 */
export function onCommandError(client: CommandSender, onError: (command: string) => void): void {
  const send = client.sendCommand.bind(client)
  const watched = new WeakSet<Command>()
  client.sendCommand = (command: Command, ...rest: never[]) => {
    if (!watched.has(command) && !Command.checkFlag('IGNORE_RECONNECT_ON_ERROR', command.name)) {
      watched.add(command)
      command.promise.catch(() => onError(command.name))
    }
    return send(command, ...rest)
  }
}
