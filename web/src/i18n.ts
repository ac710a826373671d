// The console's words in English, Hebrew and Arabic, and how numbers and times are written.
// Digits stay Latin in every language and times run left to right inside right-to-left text
// (wrapped in <bdi dir="ltr">), so a countdown reads the same to every officer on the floor.

import type { Language, Stage } from "./types";

export const LANGUAGES: readonly Language[] = ["en", "he", "ar"];
export const LANGUAGE_NAMES: Record<Language, string> = { en: "English", he: "עברית", ar: "العربية" };
const STORAGE_KEY = "tanbih.language";

const en = {
  title: "tanbih — duty officer's console",
  loginTitle: "Log in to the console",
  tokenLabel: "Partner API token",
  logIn: "Log in",
  logOut: "Log out",
  loginFailed: "The node refused this token.",
  language: "Language",
  enableSound: "Click to enable sound",
  soundOn: "Sound on",
  exerciseBanner: "EXERCISE · תרגיל · تمرين",
  connectionLost: "Connection lost — reconnecting…",
  live: "Live",
  activeAlerts: "Active alerts",
  noActiveAlerts: "No active alerts.",
  threats: "Threats",
  noThreats: "No threats tracked.",
  history: "History",
  compose: "Issue alert",
  acknowledge: "Acknowledge",
  acknowledging: "Sending…",
  acknowledged: "Acknowledged",
  ackShortcut: "A",
  ackFailed: "Acknowledgement not accepted",
  awaitingAck: "awaiting",
  eta: "ETA",
  shelter: "shelter",
  shelterIn: "shelter in",
  shelterNow: "SHELTER NOW",
  arrived: "arrived",
  seconds: "s",
  sent: "Sent",
  from: "From",
  zones: "Zones",
  acks: "Acknowledgements",
  stage: { none: "Message", early_warning: "Early warning", take_shelter: "Take shelter", all_clear: "All clear" } as Record<Stage, string>,
  status: { Actual: "ACTUAL", Exercise: "EXERCISE", Test: "TEST", System: "SYSTEM", Draft: "DRAFT" } as Record<string, string>,
  msgType: { Alert: "Alert", Update: "Update", Cancel: "Cancel", Ack: "Ack", Error: "Error" } as Record<string, string>,
  via: { console: "console", email_link: "e-mail link", sms_reply: "SMS reply", voice_key: "phone key", cap_ack: "CAP Ack" } as Record<string, string>,
  threatClass: { uav: "UAV", cruise_missile: "Cruise missile", ballistic_missile: "Ballistic missile", aircraft: "Aircraft", unknown: "Unknown" } as Record<string, string>,
  // The coordinator's form.
  formStatus: "Status",
  formKind: "Message",
  formNewAlert: "New alert",
  formCancel: "Cancel an alert",
  formCancelWhich: "Alert to cancel",
  formEvent: "Event",
  formEventDefault: "Hostile UAV",
  formResponse: "Warning",
  formZones: "Zones",
  formZoneSearch: "Type a zone name, then Enter",
  formExpires: "Expires in (minutes)",
  formHeadline: "Headline",
  formSubmit: "Send to the node",
  formSending: "Sending…",
  formAccepted: "Accepted by the node",
  formRefused: "Refused by the node",
  formNeedsZone: "Choose at least one zone.",
  formNeedsAlert: "Choose the alert to cancel.",
  remove: "remove",
  headlines: {
    Prepare: "prepare to take shelter",
    Shelter: "take shelter now",
    AllClear: "all clear, you may leave the shelter",
  } as Record<string, string>,
  cancelNote: "Cancelled by the coordinator",
  // History.
  historyEmpty: "No messages yet.",
  thread: "Event",
  downloadXml: "CAP XML",
  noAcks: "No acknowledgements.",
  reload: "Refresh",
  // Response coordination.
  respondTab: "Respond",
  requestsToRespond: "Requests to respond",
  noRequests: "No request to respond awaits you.",
  responseCases: "Responses",
  noResponseCases: "No response under way.",
  capabilities: "Capabilities",
  noCapabilities: "No capability declared.",
  acceptRequest: "Accept",
  declineRequest: "Decline",
  declineReason: "Reason",
  declineNote: "Note (optional)",
  declineReasons: { no_means_available: "No means available", out_of_range: "Out of range", not_authorised: "Not authorised", other: "Other" } as Record<string, string>,
  back: "Back",
  answerBy: "Answer by",
  answerRefused: "Answer not accepted",
  responder: "Responds",
  asked: "Asked",
  waiting: "Next",
  reassign: "Reassign",
  reassignTo: "Ask instead",
  available: "available",
  unavailable: "unavailable",
  switchOff: "Switch off",
  switchOn: "Switch on",
  responseState: { requested: "Awaiting an answer", accepted: "Responder assigned", unassigned: "No responder", stood_down: "Stood down" } as Record<string, string>,
};

export type Strings = typeof en;

const he: Strings = {
  ...en,
  title: "tanbih — מסוף קצין התורן",
  loginTitle: "כניסה למסוף",
  tokenLabel: "אסימון API של השותף",
  logIn: "כניסה",
  logOut: "יציאה",
  loginFailed: "הצומת דחה את האסימון.",
  language: "שפה",
  enableSound: "לחצו להפעלת הצליל",
  soundOn: "צליל פעיל",
  connectionLost: "החיבור אבד — מתחבר מחדש…",
  live: "מחובר",
  activeAlerts: "התרעות פעילות",
  noActiveAlerts: "אין התרעות פעילות.",
  threats: "איומים",
  noThreats: "אין איומים במעקב.",
  history: "היסטוריה",
  compose: "הפצת התרעה",
  acknowledge: "אישור קבלה",
  acknowledging: "שולח…",
  acknowledged: "התקבל",
  ackFailed: "אישור הקבלה לא התקבל",
  awaitingAck: "ממתין",
  eta: "זמן הגעה",
  shelter: "מיגון",
  shelterIn: "כניסה בעוד",
  shelterNow: "היכנסו למרחב המוגן",
  arrived: "הגיע",
  seconds: "ש׳",
  sent: "נשלח",
  from: "מאת",
  zones: "אזורים",
  acks: "אישורי קבלה",
  stage: { none: "הודעה", early_warning: "התרעה מוקדמת", take_shelter: "היכנסו למרחב המוגן", all_clear: "האירוע הסתיים" },
  status: { Actual: "אמת", Exercise: "תרגיל", Test: "בדיקה", System: "מערכת", Draft: "טיוטה" },
  msgType: { Alert: "התרעה", Update: "עדכון", Cancel: "ביטול", Ack: "אישור", Error: "שגיאה" },
  via: { console: "מסוף", email_link: "קישור בדוא״ל", sms_reply: "מסרון", voice_key: "מקש בטלפון", cap_ack: "CAP Ack" },
  threatClass: { uav: "כטב״ם", cruise_missile: "טיל שיוט", ballistic_missile: "טיל בליסטי", aircraft: "כלי טיס", unknown: "לא ידוע" },
  formStatus: "סטטוס",
  formKind: "הודעה",
  formNewAlert: "התרעה חדשה",
  formCancel: "ביטול התרעה",
  formCancelWhich: "ההתרעה לביטול",
  formEvent: "אירוע",
  formEventDefault: "כלי טיס עוין",
  formResponse: "התרעה",
  formZones: "אזורים",
  formZoneSearch: "הקלידו שם אזור ואז Enter",
  formExpires: "תפוגה בעוד (דקות)",
  formHeadline: "כותרת",
  formSubmit: "שליחה לצומת",
  formSending: "שולח…",
  formAccepted: "הצומת קיבל את ההודעה",
  formRefused: "הצומת דחה את ההודעה",
  formNeedsZone: "בחרו לפחות אזור אחד.",
  formNeedsAlert: "בחרו את ההתרעה לביטול.",
  remove: "הסרה",
  headlines: { Prepare: "היערכו לכניסה למרחב המוגן", Shelter: "היכנסו למרחב המוגן עכשיו", AllClear: "ניתן לצאת מהמרחב המוגן" },
  cancelNote: "בוטל על ידי המתאם",
  historyEmpty: "אין הודעות עדיין.",
  thread: "אירוע",
  downloadXml: "CAP XML",
  noAcks: "אין אישורי קבלה.",
  reload: "רענון",
  respondTab: "תגובה",
  requestsToRespond: "בקשות להגיב",
  noRequests: "אין בקשה להגיב הממתינה לכם.",
  responseCases: "תגובות",
  noResponseCases: "אין תגובה בתהליך.",
  capabilities: "יכולות",
  noCapabilities: "לא הוצהרה יכולת.",
  acceptRequest: "אישור",
  declineRequest: "דחייה",
  declineReason: "סיבה",
  declineNote: "הערה (רשות)",
  declineReasons: { no_means_available: "אין אמצעים זמינים", out_of_range: "מחוץ לטווח", not_authorised: "אין הרשאה", other: "אחר" },
  back: "חזרה",
  answerBy: "יש להשיב עד",
  answerRefused: "התשובה לא התקבלה",
  responder: "מגיב",
  asked: "התבקש",
  waiting: "הבא בתור",
  reassign: "העברה",
  reassignTo: "לבקש במקום",
  available: "זמינה",
  unavailable: "לא זמינה",
  switchOff: "השבתה",
  switchOn: "הפעלה",
  responseState: { requested: "ממתין לתשובה", accepted: "נקבע מגיב", unassigned: "אין מגיב", stood_down: "בוטל" },
};

const ar: Strings = {
  ...en,
  title: "tanbih — وحدة ضابط المناوبة",
  loginTitle: "الدخول إلى الوحدة",
  tokenLabel: "رمز API للشريك",
  logIn: "دخول",
  logOut: "خروج",
  loginFailed: "رفضت العقدة هذا الرمز.",
  language: "اللغة",
  enableSound: "انقر لتفعيل الصوت",
  soundOn: "الصوت مفعّل",
  connectionLost: "انقطع الاتصال — جارٍ إعادة الاتصال…",
  live: "متصل",
  activeAlerts: "الإنذارات النشطة",
  noActiveAlerts: "لا إنذارات نشطة.",
  threats: "التهديدات",
  noThreats: "لا تهديدات قيد التتبع.",
  history: "السجل",
  compose: "إصدار إنذار",
  acknowledge: "تأكيد الاستلام",
  acknowledging: "جارٍ الإرسال…",
  acknowledged: "تم التأكيد",
  ackFailed: "لم يُقبل تأكيد الاستلام",
  awaitingAck: "بانتظار",
  eta: "الوصول",
  shelter: "الاحتماء",
  shelterIn: "الاحتماء خلال",
  shelterNow: "احتموا الآن",
  arrived: "وصل",
  seconds: "ث",
  sent: "أُرسل",
  from: "من",
  zones: "المناطق",
  acks: "تأكيدات الاستلام",
  stage: { none: "رسالة", early_warning: "إنذار مبكر", take_shelter: "احتموا", all_clear: "انتهى الخطر" },
  status: { Actual: "حقيقي", Exercise: "تمرين", Test: "اختبار", System: "نظام", Draft: "مسودة" },
  msgType: { Alert: "إنذار", Update: "تحديث", Cancel: "إلغاء", Ack: "تأكيد", Error: "خطأ" },
  via: { console: "الوحدة", email_link: "رابط البريد", sms_reply: "رد SMS", voice_key: "مفتاح الهاتف", cap_ack: "CAP Ack" },
  threatClass: { uav: "طائرة مسيرة", cruise_missile: "صاروخ كروز", ballistic_missile: "صاروخ باليستي", aircraft: "طائرة", unknown: "غير معروف" },
  formStatus: "الحالة",
  formKind: "الرسالة",
  formNewAlert: "إنذار جديد",
  formCancel: "إلغاء إنذار",
  formCancelWhich: "الإنذار المراد إلغاؤه",
  formEvent: "الحدث",
  formEventDefault: "طائرة مسيرة معادية",
  formResponse: "الإنذار",
  formZones: "المناطق",
  formZoneSearch: "اكتب اسم منطقة ثم Enter",
  formExpires: "ينتهي بعد (دقائق)",
  formHeadline: "العنوان",
  formSubmit: "إرسال إلى العقدة",
  formSending: "جارٍ الإرسال…",
  formAccepted: "قبلت العقدة الرسالة",
  formRefused: "رفضت العقدة الرسالة",
  formNeedsZone: "اختر منطقة واحدة على الأقل.",
  formNeedsAlert: "اختر الإنذار المراد إلغاؤه.",
  remove: "إزالة",
  headlines: { Prepare: "استعدوا للاحتماء", Shelter: "احتموا الآن", AllClear: "انتهى الخطر، يمكنكم مغادرة الملجأ" },
  cancelNote: "ألغاه المنسق",
  historyEmpty: "لا رسائل بعد.",
  thread: "الحدث",
  downloadXml: "CAP XML",
  noAcks: "لا تأكيدات استلام.",
  reload: "تحديث",
  respondTab: "الاستجابة",
  requestsToRespond: "طلبات الاستجابة",
  noRequests: "لا طلب استجابة بانتظاركم.",
  responseCases: "الاستجابات",
  noResponseCases: "لا استجابة جارية.",
  capabilities: "القدرات",
  noCapabilities: "لم تُعلن أي قدرة.",
  acceptRequest: "قبول",
  declineRequest: "رفض",
  declineReason: "السبب",
  declineNote: "ملاحظة (اختيارية)",
  declineReasons: { no_means_available: "لا وسائل متاحة", out_of_range: "خارج المدى", not_authorised: "غير مخوّل", other: "أخرى" },
  back: "رجوع",
  answerBy: "الرد قبل",
  answerRefused: "لم يُقبل الرد",
  responder: "المستجيب",
  asked: "المطلوب منه",
  waiting: "التالي",
  reassign: "إعادة التكليف",
  reassignTo: "اطلب بدلاً من ذلك من",
  available: "متاحة",
  unavailable: "غير متاحة",
  switchOff: "إيقاف",
  switchOn: "تشغيل",
  responseState: { requested: "بانتظار الرد", accepted: "تم تعيين مستجيب", unassigned: "لا مستجيب", stood_down: "أُلغي" },
};

const STRINGS: Record<Language, Strings> = { en, he, ar };
/** The word for "exercise" that opens every text of an exercise message, per language. */
export const EXERCISE_WORD: Record<Language, string> = { en: "EXERCISE", he: "תרגיל", ar: "تمرين" };

export function isLanguage(value: string | null | undefined): value is Language {
  return value === "en" || value === "he" || value === "ar";
}

export function direction(language: Language): "ltr" | "rtl" {
  return language === "en" ? "ltr" : "rtl";
}

/** The language chosen on an earlier visit, else the first of `preferred` the console speaks. */
export function initialLanguage(preferred: readonly string[] = []): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (isLanguage(stored)) return stored;
  const spoken = [...preferred, navigator.language].map((tag) => tag.split("-")[0]).find(isLanguage);
  return spoken ?? "en";
}

/** The current language, its words and formats; switching re-renders through `onChange`. */
export class Locale {
  private listeners: Array<() => void> = [];

  constructor(public language: Language) {}

  get t(): Strings {
    return STRINGS[this.language];
  }

  strings(language: Language): Strings {
    return STRINGS[language];
  }

  set(language: Language): void {
    this.language = language;
    localStorage.setItem(STORAGE_KEY, language);
    const root = document.documentElement;
    root.lang = language;
    root.dir = direction(language);
    document.title = this.t.title;
    for (const listener of this.listeners) listener();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** A clock time, 24-hour with seconds, in the browser's time zone. */
  time(iso: string): string {
    return new Intl.DateTimeFormat(`${this.language}-u-nu-latn`, {
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    }).format(new Date(iso));
  }

  dateTime(iso: string): string {
    return new Intl.DateTimeFormat(`${this.language}-u-nu-latn`, {
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    }).format(new Date(iso));
  }
}

/** Seconds as m:ss (or h:mm:ss), negative with a minus sign. */
export function countdown(seconds: number): string {
  const sign = seconds < 0 ? "−" : "";
  const total = Math.abs(Math.trunc(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, "0")}:${s}` : `${sign}${m}:${s}`;
}
