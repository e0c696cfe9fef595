export const killSwitchKey = "kill_switch";
export const historyLimit = 500;
