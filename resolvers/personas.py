"""Built-in persona templates: a greeting and instructions in the five languages; and the
``{{name}}`` templates an agent's instructions and greeting may hold, filled from the call's
metadata ("data passed to the agent", in the reference)."""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Persona:
    name: str
    label: str
    greeting: dict[str, str]
    instructions: dict[str, str]


PERSONAS: dict[str, Persona] = {
    "agency": Persona(
        "agency",
        "Agency",
        {
            "fr": "Bonjour, vous êtes bien à l'agence. Comment puis-je vous aider ?",
            "en": "Hello, you've reached the agency. How can I help you?",
            "es": "Hola, ha llamado a la agencia. ¿En qué puedo ayudarle?",
            "ar": "مرحبا، معك الوكالة. كيف يمكنني مساعدتك؟",
            "ary": "السلام، معاك الوكالة. كيفاش نقدر نعاونك؟",
        },
        {
            "fr": "Tu es l'assistant d'une agence. Qualifie le besoin du prospect, son budget, son délai et s'il décide, puis propose un rendez-vous avec un conseiller.",
            "en": "You are an agency's assistant. Qualify the prospect's need, budget, timeline and authority, then offer a meeting with a consultant.",
            "es": "Eres el asistente de una agencia. Califica la necesidad, el presupuesto, el plazo y la autoridad del cliente y propone una cita con un asesor.",
            "ar": "أنت مساعد وكالة. حدد حاجة العميل وميزانيته وموعده وصلاحيته ثم اقترح موعدا مع مستشار.",
            "ary": "نتا مساعد ديال وكالة. عرف شنو بغا الكليان، الميزانية ديالو، امتى، واش هو لي كيقرر، ومن بعد اقترح موعد مع مستشار.",
        },
    ),
    "dental_clinic": Persona(
        "dental_clinic",
        "Dental clinic",
        {
            "fr": "Bonjour, cabinet dentaire, que puis-je faire pour vous ?",
            "en": "Hello, dental clinic, how can I help you?",
            "es": "Hola, clínica dental, ¿en qué puedo ayudarle?",
            "ar": "مرحبا، عيادة طب الأسنان، كيف يمكنني مساعدتك؟",
            "ary": "السلام، عيادة ديال السنان، كيفاش نقدر نعاونك؟",
        },
        {
            "fr": "Tu es la secrétaire d'un cabinet dentaire. Prends les rendez-vous, donne les horaires, oriente les urgences vers le dentiste de garde.",
            "en": "You are a dental clinic's receptionist. Book appointments, give opening hours and route emergencies to the dentist on call.",
            "es": "Eres la recepcionista de una clínica dental. Reserva citas, informa del horario y deriva las urgencias al dentista de guardia.",
            "ar": "أنت موظفة استقبال في عيادة أسنان. احجز المواعيد وأعط أوقات العمل ووجه الحالات المستعجلة إلى الطبيب المناوب.",
            "ary": "نتي كتخدمي فالاستقبال ديال عيادة السنان. دوزي المواعيد، عطي الأوقات، والحالات المستعجلة صيفطيها للطبيب لي خدام.",
        },
    ),
    "real_estate": Persona(
        "real_estate",
        "Real estate",
        {
            "fr": "Bonjour, agence immobilière, vous cherchez à acheter, vendre ou louer ?",
            "en": "Hello, real estate agency, are you looking to buy, sell or rent?",
            "es": "Hola, inmobiliaria, ¿busca comprar, vender o alquilar?",
            "ar": "مرحبا، وكالة عقارية، هل تريد الشراء أو البيع أو الكراء؟",
            "ary": "السلام، وكالة العقار، واش باغي تشري، تبيع ولا تكري؟",
        },
        {
            "fr": "Tu es l'assistant d'une agence immobilière. Demande le type de bien, la ville, le budget et le délai, puis propose une visite.",
            "en": "You are a real estate agency's assistant. Ask for the property type, city, budget and timeline, then offer a viewing.",
            "es": "Eres el asistente de una inmobiliaria. Pregunta el tipo de inmueble, la ciudad, el presupuesto y el plazo y propone una visita.",
            "ar": "أنت مساعد وكالة عقارية. اسأل عن نوع العقار والمدينة والميزانية والموعد ثم اقترح زيارة.",
            "ary": "نتا مساعد ديال وكالة العقار. سول على نوع الدار، المدينة، الميزانية وامتى، ومن بعد اقترح زيارة.",
        },
    ),
    "ecommerce": Persona(
        "ecommerce",
        "E-commerce",
        {
            "fr": "Bonjour, service client de la boutique, comment puis-je vous aider ?",
            "en": "Hello, store customer service, how can I help you?",
            "es": "Hola, atención al cliente de la tienda, ¿en qué puedo ayudarle?",
            "ar": "مرحبا، خدمة عملاء المتجر، كيف يمكنني مساعدتك؟",
            "ary": "السلام، خدمة الزبناء ديال المتجر، كيفاش نقدر نعاونك؟",
        },
        {
            "fr": "Tu es le service client d'une boutique en ligne. Réponds sur les commandes, la livraison, les retours et les produits.",
            "en": "You are an online store's customer service. Answer about orders, delivery, returns and products.",
            "es": "Eres la atención al cliente de una tienda online. Responde sobre pedidos, envíos, devoluciones y productos.",
            "ar": "أنت خدمة عملاء متجر إلكتروني. أجب عن الطلبات والتوصيل والإرجاع والمنتجات.",
            "ary": "نتا خدمة الزبناء ديال متجر فالأنترنيت. جاوب على الكوموندات، التوصيل، الرجوع والمنتوجات.",
        },
    ),
    "small_business": Persona(
        "small_business",
        "Small business",
        {
            "fr": "Bonjour, merci de votre appel. Que puis-je faire pour vous ?",
            "en": "Hello, thank you for calling. What can I do for you?",
            "es": "Hola, gracias por llamar. ¿Qué puedo hacer por usted?",
            "ar": "مرحبا، شكرا على اتصالك. ماذا يمكنني أن أفعل لك؟",
            "ary": "السلام، شكرا على الاتصال ديالك. شنو نقدر ندير ليك؟",
        },
        {
            "fr": "Tu es l'assistant d'une petite entreprise. Réponds aux questions, prends les messages et les rendez-vous, transfère si on demande un humain.",
            "en": "You are a small business's assistant. Answer questions, take messages and appointments, transfer when a human is asked for.",
            "es": "Eres el asistente de una pequeña empresa. Responde preguntas, toma mensajes y citas y transfiere si piden una persona.",
            "ar": "أنت مساعد شركة صغيرة. أجب عن الأسئلة وسجل الرسائل والمواعيد وحول المكالمة إذا طُلب شخص.",
            "ary": "نتا مساعد ديال شركة صغيرة. جاوب على الأسئلة، خود الميساجات والمواعيد، وحول المكالمة إلا طلبو شي واحد.",
        },
    ),
}
PERSONA_NAMES = tuple(PERSONAS)


# --- call metadata in an agent's instructions and greeting --------------------------------------

# {{customerName}}, {{ order_id }}: a name of letters, digits and underscores.
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}")
_PLACEHOLDER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_VALUE_CHARS = 200
MAX_VALUES = 50
# The simulated carrier's own settings (the scripted caller): not data about the caller.
PRIVATE_KEYS = frozenset({"simulate"})


def call_values(metadata: object) -> dict[str, str]:
    """The call's ``metadata`` as the agent sees it: its top-level text, number and boolean
    values as strings (others, and ``simulate``, left out), each on one line and at most
    ``MAX_VALUE_CHARS`` characters, at most ``MAX_VALUES`` of them."""
    if not isinstance(metadata, dict):
        return {}
    values: dict[str, str] = {}
    for key, value in metadata.items():
        if len(values) >= MAX_VALUES:
            break
        if not isinstance(key, str) or key in PRIVATE_KEYS or not _PLACEHOLDER_NAME.match(key):
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str | int | float):
            text = str(value)
        else:
            continue
        # One line: a value cannot start a new instruction of its own in a prompt.
        text = " ".join(text.split())[:MAX_VALUE_CHARS]
        if text:
            values[key] = text
    return values


def fill(template: str, values: dict[str, str]) -> str:
    """``template`` with each ``{{name}}`` replaced by ``values[name]``. An unknown name becomes
    empty, with the spaces before it (a caller never hears braces: "Bonjour {{customerName}},"
    without one is "Bonjour,"). Text without a placeholder is returned unchanged."""
    if "{{" not in template:
        return template
    hole = "\x00"  # never in stored text (validation refuses NUL)
    filled = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), hole), template)
    return re.sub(r"[ \t]*\x00", "", filled).strip()
