export { EventBus } from "./event-bus";
