// What the browser client's call session takes in and gives out: the TypeScript side of
// crates/client/src/session/{input,output}.rs. The session decides; the runner (runner.ts)
// carries the outputs out on the WebSocket and the media engine (engine.ts).

import type { CallEvent } from "../contract";
import type {
  ClientMsg,
  IceCandidate,
  IceServer,
  ParticipantId,
  ServerMsg,
  SessionDescription,
  SfuErrorCode,
  SfuPublication,
  SfuResetReason,
  SfuTarget,
  VideoCodec,
} from "./wire";

/** Something that happened, for `Session.handle`. */
export type Input =
  | { type: "transportOpened" }
  | { type: "transportClosed"; reason: string }
  | { type: "server"; msg: ServerMsg }
  | { type: "media"; report: MediaReport }
  | { type: "timeout" };

/** What the media engine reports about its connections. */
export type MediaReport =
  | { type: "localDescription"; peer: ParticipantId; description: SessionDescription }
  | { type: "localCandidate"; peer: ParticipantId; candidate: IceCandidate }
  | { type: "peerConnected"; peer: ParticipantId }
  | { type: "peerFailed"; peer: ParticipantId }
  | { type: "sfuLocalDescription"; target: SfuTarget; sdp: string }
  | { type: "sfuLocalCandidate"; target: SfuTarget; candidate: IceCandidate }
  | { type: "sfuConnected"; target: SfuTarget }
  | { type: "sfuFailed"; target: SfuTarget };

/** What the media engine must do (`MediaCommand`). */
export type MediaCommand =
  | { type: "addPeer"; peer: ParticipantId; initiator: boolean; iceServers: IceServer[] }
  | { type: "removePeer"; peer: ParticipantId }
  | { type: "remoteDescription"; peer: ParticipantId; description: SessionDescription }
  | { type: "remoteCandidate"; peer: ParticipantId; candidate: IceCandidate }
  /** A fresh connection (new ICE credentials and DTLS certificate) and a new offer. */
  | { type: "restartPeer"; peer: ParticipantId }
  | { type: "removeAllPeers" }
  | { type: "screenInCamera"; on: boolean }
  /** A send-only connection to the SFU offering `codec` alone (the room's; Janus takes no other). */
  | { type: "publish"; publication: SfuPublication; iceServers: IceServer[]; codec: VideoCodec }
  | {
      type: "subscribe";
      subscription: number;
      feed: ParticipantId;
      publication: SfuPublication;
      offer: string;
      iceServers: IceServer[];
    }
  | { type: "publicationAnswer"; publication: SfuPublication; sdp: string }
  | { type: "sfuCandidate"; target: SfuTarget; candidate: IceCandidate }
  | { type: "closeSfu"; target: SfuTarget };

/** What the UI hears about an SFU room beside the call events (`SfuNotice`). */
export type SfuNotice =
  | { type: "talking"; participant: ParticipantId; talking: boolean }
  | { type: "problem"; code: SfuErrorCode; message: string }
  | { type: "reset"; reason: SfuResetReason };

/** One thing to do, in order (`Output`). */
export type Output =
  | { type: "openTransport" }
  | { type: "closeTransport" }
  | { type: "send"; msg: ClientMsg }
  | { type: "media"; command: MediaCommand }
  | { type: "event"; event: CallEvent }
  | { type: "sfu"; notice: SfuNotice };

/** An SFU connection's key, as a string (`publication:camera`, `subscription:3`). */
export function targetKey(target: SfuTarget): string {
  return "publication" in target
    ? `publication:${target.publication}`
    : `subscription:${target.subscription}`;
}
