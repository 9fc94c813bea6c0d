/* The chat widget's settings for this site (docs/widget.md). Loaded before /clinic-chat.js. */
window.ClinicChatConfig = {
  serverUrl: "http://localhost:5005",       // the assistant (Rasa REST channel); its --cors must admit this site
  clinicName: "Riverside Migraine Clinic",
  clinicPhone: "(555) 010-0000",            // shown when the assistant cannot be reached
  clinicPhoneTel: "+15550100000",
  emergencyNumber: "911",
  colors: { primary: "#0b5394" }
};
